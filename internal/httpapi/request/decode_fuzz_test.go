package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// decodeBytes decodes body as the server would.
func decodeBytes(body []byte, dst any) error {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	return Decode(httptest.NewRecorder(), req, dst)
}

// FuzzDecodeRequest feeds arbitrary bodies to the decoder for both POST endpoints: it
// must never panic, must reject with a 400 (or, for a body over the limit, 413) Error
// that has a code and a message, and what it accepts must survive a JSON round trip
// unchanged. The seed corpus is in testdata/fuzz/FuzzDecodeRequest.
func FuzzDecodeRequest(f *testing.F) {
	targets := []func() any{
		func() any { return &ParseJD{} },
		func() any { return &AnalyzeAnswer{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newTarget := range targets {
			dst := newTarget()
			if err := decodeBytes(body, dst); err != nil {
				var re *Error
				if !errors.As(err, &re) || re.Code == "" || re.Message == "" {
					t.Fatalf("decode(%q) into %T: error %v is not a complete *Error", body, dst, err)
				}
				if re.Status != http.StatusBadRequest && (re.Status != http.StatusRequestEntityTooLarge || len(body) <= MaxBodyBytes) {
					t.Fatalf("decode(%q) into %T: status %d", body, dst, re.Status)
				}
				continue
			}
			encoded, err := json.Marshal(dst)
			if err != nil {
				t.Fatalf("re-encode %#v: %v", dst, err)
			}
			again := newTarget()
			if err := decodeBytes(encoded, again); err != nil {
				t.Fatalf("decode of re-encoded %s: %v", encoded, err)
			}
			if !reflect.DeepEqual(dst, again) {
				t.Fatalf("round trip changed the request: %#v became %#v", dst, again)
			}
		}
	})
}
