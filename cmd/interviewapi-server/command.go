package main

import (
	"io"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/spf13/cobra"

	"github.com/interviewapi/operator/internal/app"
	"github.com/interviewapi/operator/internal/config"
)

// version is set at build time: go build -ldflags "-X main.version=v0.1.0".
var version = ""

// versionString is the version to report: the one set at build time, else the module's.
func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// newCommand returns the command line: serve by default, `migrate`, `--version`. env is
// the environment the configuration is read from; logs go to stderr as JSON.
func newCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	log := newLogger(stderr)
	var pprofAddr string
	root := &cobra.Command{
		Use:           "interviewapi-server",
		Short:         "The interview API server (sync and async database engines)",
		Version:       versionString(),
		Args:          cobra.NoArgs,
		SilenceErrors: true, // main prints the one-line error
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(env)
			if err != nil {
				return err
			}
			// SIGTERM (Kubernetes) and Ctrl-C start a graceful shutdown.
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			gin.SetMode(gin.ReleaseMode)
			if pprofAddr != "" {
				stopPprof, err := startPprof(pprofAddr, log)
				if err != nil {
					return err
				}
				defer stopPprof()
			}
			a, err := app.New(cfg, log, versionString())
			if err != nil {
				return err
			}
			return a.Run(ctx)
		},
	}
	root.Flags().StringVar(&pprofAddr, "pprof-addr", "", "serve net/http/pprof on this loopback address (off when empty; for benchmarks)")
	root.SetVersionTemplate("interviewapi-server {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(env)
			if err != nil {
				return err
			}
			return app.Migrate(cmd.Context(), cfg, log)
		},
	})
	return root
}

// environ turns os.Environ's KEY=value list into a map.
func environ(kv []string) map[string]string {
	m := make(map[string]string, len(kv))
	for _, e := range kv {
		if k, v, ok := strings.Cut(e, "="); ok {
			m[k] = v
		}
	}
	return m
}
