package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// printer writes the demo's transcript: every line starts with the wall-clock time and
// the time since the demo started, so that a reader sees how long each phase took.
type printer struct {
	mu    sync.Mutex
	out   io.Writer
	start time.Time
	phase int
}

func newPrinter(out io.Writer) *printer { return &printer{out: out, start: time.Now()} }

func (p *printer) stamp() string {
	now := time.Now()
	e := now.Sub(p.start).Round(time.Second)
	return fmt.Sprintf("%s +%d:%02d", now.Format("15:04:05"), int(e.Minutes()), int(e.Seconds())%60)
}

// Phase starts a numbered phase with a heading.
func (p *printer) Phase(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase++
	fmt.Fprintf(p.out, "\n%s  == %d. %s\n", p.stamp(), p.phase, fmt.Sprintf(format, args...))
}

// Line prints one line of progress.
func (p *printer) Line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "%s  %s\n", p.stamp(), fmt.Sprintf(format, args...))
}

// Command prints a command the demo runs, as the user would type it.
func (p *printer) Command(cmd string) { p.Line("$ %s", cmd) }

// Block prints lines indented under the previous one, without a timestamp.
func (p *printer) Block(lines ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pad := strings.Repeat(" ", len(p.stamp())+2)
	for _, l := range lines {
		fmt.Fprintf(p.out, "%s    %s\n", pad, l)
	}
}

// Text prints lines as they are (the closing instructions).
func (p *printer) Text(lines ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range lines {
		fmt.Fprintln(p.out, l)
	}
}
