package localcluster

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// podLogCopyInterval is how often the real node's container logs are copied.
const podLogCopyInterval = 200 * time.Millisecond

// podLogCopier keeps every container's output of the real node in
// DIR/pods/NS/POD/CONTAINER.log, the file the process node writes, so that tests read
// one path on both nodes, and so that it outlives the pod: the kubelet deletes a
// pod's logs with the pod (a helm test pod is deleted as soon as it succeeds). It
// copies the kubelet's files (podLogsDir/NS_POD_UID/CONTAINER/RESTART.log, in the CRI
// format "TIME STREAM F|P TEXT") as lines of TEXT.
type podLogCopier struct {
	src    string
	layout layout
	log    *slog.Logger

	offsets map[string]int64
	stopc   chan struct{}
	done    chan struct{}
	once    sync.Once
}

func startPodLogCopier(src string, l layout, log *slog.Logger) *podLogCopier {
	p := &podLogCopier{src: src, layout: l, log: log, offsets: map[string]int64{},
		stopc: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *podLogCopier) run() {
	defer close(p.done)
	t := time.NewTicker(podLogCopyInterval)
	defer t.Stop()
	for {
		p.copyAll()
		select {
		case <-p.stopc:
			p.copyAll()
			return
		case <-t.C:
		}
	}
}

// stop copies what is left and returns.
func (p *podLogCopier) stop() {
	p.once.Do(func() { close(p.stopc) })
	<-p.done
}

func (p *podLogCopier) copyAll() {
	files, _ := filepath.Glob(filepath.Join(p.src, "*", "*", "*.log"))
	for _, f := range files {
		rel, _ := filepath.Rel(p.src, f)
		parts := strings.Split(rel, string(filepath.Separator))
		ids := strings.Split(parts[0], "_")
		if len(ids) != 3 {
			continue
		}
		if err := p.copyFile(f, p.layout.podDir(ids[0], ids[1]), parts[1]); err != nil {
			p.log.Error("copy pod log", "file", f, "err", err)
		}
	}
}

func (p *podLogCopier) copyFile(src, podDir, container string) error {
	in, err := os.Open(src)
	if err != nil {
		return nil // deleted meanwhile
	}
	defer in.Close()
	if _, err := in.Seek(p.offsets[src], io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(in)
	if err != nil || len(data) == 0 {
		return err
	}
	// Only whole lines; the rest waits for the next round.
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return nil
	}
	p.offsets[src] += int64(end + 1)
	var out []byte
	for _, line := range bytes.Split(data[:end], []byte("\n")) {
		text, full := criLogText(line)
		out = append(out, text...)
		if full {
			out = append(out, '\n')
		}
	}
	if err := os.MkdirAll(podDir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(podDir, container+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(out)
	return err
}

// criLogText is the text of one CRI log line and whether it ends a line (tag F)
// rather than continuing (P).
func criLogText(line []byte) ([]byte, bool) {
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) < 3 {
		return line, true
	}
	var text []byte
	if len(fields) == 4 {
		text = fields[3]
	}
	return text, !bytes.Equal(fields[2], []byte("P"))
}
