package httpapi

import (
	"github.com/gin-gonic/gin"
)

// closeWhenDraining makes every response written while the server drains carry
// `Connection: close`, so that a keep-alive client learns at the end of its next exchange
// to open a new connection (through the Service, to a pod that stays) instead of having
// an idle connection closed under its next request when the server shuts down. net/http
// honours a handler's header: chunkWriter.writeHeader (net/http/server.go) sets
// closeAfterReply when the response's Connection header is "close", and conn.serve then
// closes the connection after that response instead of reading another request. The
// client sees resp.Close and does not reuse the connection.
//
// The header is decided when the response is written, not when the request arrives, so a
// request in flight when the drain begins is answered with it too. The sequence around it
// (preStop sleep, SIGTERM, drain, Shutdown) is internal/app's Serve.
func closeWhenDraining(lc Lifecycle) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer = &drainWriter{ResponseWriter: c.Writer, lifecycle: lc}
		c.Next()
		// A response with no body is written by gin after the handlers return, through
		// its own writer: decide for it here.
		if !c.Writer.Written() {
			markClose(c.Writer, lc)
		}
	}
}

// drainWriter adds the header at the first write of the response.
type drainWriter struct {
	gin.ResponseWriter
	lifecycle Lifecycle
}

func (w *drainWriter) WriteHeaderNow() {
	markClose(w.ResponseWriter, w.lifecycle)
	w.ResponseWriter.WriteHeaderNow()
}

func (w *drainWriter) Write(b []byte) (int, error) {
	markClose(w.ResponseWriter, w.lifecycle)
	return w.ResponseWriter.Write(b)
}

func (w *drainWriter) WriteString(s string) (int, error) {
	markClose(w.ResponseWriter, w.lifecycle)
	return w.ResponseWriter.WriteString(s)
}

// markClose sets `Connection: close` on a response not yet written, when draining.
func markClose(w gin.ResponseWriter, lc Lifecycle) {
	if !w.Written() && lc.Draining() {
		w.Header().Set("Connection", "close")
	}
}
