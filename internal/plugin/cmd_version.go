package plugin

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func newVersionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version and the API version it speaks",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			info, _ := debug.ReadBuildInfo()
			a.println(versionLine(info, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH))
		},
	}
}

// versionLine describes the build: the module version ("(devel)" for a local build),
// the VCS revision when the build recorded one, the API version and the Go toolchain.
func versionLine(info *debug.BuildInfo, goVersion, platform string) string {
	version := "(unknown)"
	var vcs []string
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				vcs = append(vcs, "commit "+s.Value)
			case s.Key == "vcs.modified" && s.Value == "true":
				vcs = append(vcs, "modified")
			}
		}
	}
	line := "kubectl-interviewapi " + version
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	return fmt.Sprintf("%s, API %s, %s %s", line, iapiv1alpha1.GroupVersion, goVersion, platform)
}
