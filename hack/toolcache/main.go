// Command toolcache gives `make tools` a per-user cache of the pinned tools it builds
// (hack/tools), outside the repository, as Go's build cache does for compiled packages:
// go build caches packages but not linked executables, so a fresh clone with an empty
// bin/ would link kube-apiserver, kubelet, prometheus and the rest again.
//
// Each Makefile tool rule runs its build command through toolcache:
//
//	toolcache -cache DIR -name NAME -dir MODDIR -in go.mod -in go.sum -go 'GO' -dest BIN -- COMMAND...
//
// The key (key.go) is a hash of everything that decides the output: the named input
// files, the command line, and `GO env` (Go version, target, cgo settings). An entry
// DIR/NAME-KEY/ holds the built files under out/ and a completion marker; toolcache
// installs an entry's files into BIN (hard links on the same filesystem, copies
// otherwise), or runs COMMAND with {out} replaced by a private staging directory and
// renames the finished entry into place (entry.go). README.md ("Build the Kubernetes
// tools") describes it for users.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	var req request
	var ins stringList
	var goCmd string
	flag.StringVar(&req.cache, "cache", "", "the cache directory (the Makefile's TOOLS_CACHE)")
	flag.StringVar(&req.name, "name", "", "the entry's name, e.g. etcd")
	flag.StringVar(&req.dir, "dir", ".", "the directory COMMAND runs in; -in files are relative to it")
	flag.Var(&ins, "in", "an input file of the key, relative to -dir (repeatable)")
	flag.StringVar(&goCmd, "go", "go", "the go command whose `env` joins the key, e.g. 'GOTOOLCHAIN=local go'")
	flag.StringVar(&req.dest, "dest", "", "the directory the built files are installed into")
	clean := flag.Bool("clean", false, "remove the whole cache directory and exit")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: toolcache -cache DIR -name NAME [-dir D] [-in FILE]... [-go GO] -dest BIN -- COMMAND... ({out} in COMMAND = where to write)")
		flag.PrintDefaults()
	}
	flag.Parse()
	req.inputs = ins
	req.goCmd = strings.Fields(goCmd)
	req.command = flag.Args()
	err := func() error {
		if req.cache == "" {
			return errors.New("-cache is empty: set TOOLS_CACHE")
		}
		if *clean {
			fmt.Printf("toolcache: removing %s\n", req.cache)
			return os.RemoveAll(req.cache)
		}
		return req.run(os.Stdout, time.Now)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "toolcache:", err)
		os.Exit(1)
	}
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
