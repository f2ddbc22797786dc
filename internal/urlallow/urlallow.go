// Package urlallow decides whether the operator may send a request to a URL that a
// resource names (spec.rollout.analysis.prometheus.address). Whoever may edit an
// InterviewAPI chooses that URL, while the requests leave from the operator's
// network position with its reach; so the operator's own configuration, not the
// resource, says which addresses are allowed, and anything else is refused before a
// request is made.
//
// A List is a set of URL prefixes, each [scheme://]host[:port][/path]:
//
//   - scheme http or https; without one, both;
//   - host a DNS name, an IP address, or *.SUFFIX for every name ending in .SUFFIX
//     (at least one label before it); names are compared in lower case;
//   - without a port, any port; with one, that port (a URL without a port has its
//     scheme's default);
//   - a path matches itself and everything below it, at a segment boundary.
//
// A URL is checked whole, not as a string prefix, so "http://a.svc@evil" (user
// information), "http://a.svc.evil" (another host) and "http://a.svc%2e..." are
// refused whatever the list says. Link-local and unspecified addresses (the cloud
// metadata address 169.254.169.254 among them) are refused even when listed.
package urlallow

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Default is the list the operator starts with: Service names inside the cluster.
var Default = []string{"*.svc", "*.svc.cluster.local"}

// DefaultList is Default, parsed.
func DefaultList() *List {
	l, err := Parse(Default)
	if err != nil {
		panic(err) // Default is a constant list that Parse accepts; its test says so.
	}
	return l
}

// List is a parsed set of allowed URL prefixes. The zero List allows nothing.
type List struct {
	rules   []rule
	entries []string
}

type rule struct {
	// scheme is http, https, or "" for both.
	scheme string
	// host is an exact host, or "" when suffix is set.
	host string
	// suffix is ".svc" for the entry *.svc.
	suffix string
	// port is "" for any port.
	port string
	// path is "" for any path, else a prefix without its trailing slash.
	path string
}

// Parse reads entries; an empty list allows nothing.
func Parse(entries []string) (*List, error) {
	l := &List{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		r, err := parseRule(e)
		if err != nil {
			return nil, fmt.Errorf("allowed URL %q: %w", e, err)
		}
		l.rules = append(l.rules, r)
		l.entries = append(l.entries, e)
	}
	return l, nil
}

// String lists the entries as given, comma-separated.
func (l *List) String() string {
	if len(l.entries) == 0 {
		return "(none)"
	}
	return strings.Join(l.entries, ",")
}

func parseRule(e string) (rule, error) {
	var r rule
	rest := e
	if i := strings.Index(rest, "://"); i >= 0 {
		r.scheme = strings.ToLower(rest[:i])
		if r.scheme != "http" && r.scheme != "https" {
			return r, fmt.Errorf("scheme %q: want http or https", rest[:i])
		}
		rest = rest[i+3:]
	}
	if strings.ContainsAny(rest, "@?#%\\ ") {
		return r, errors.New("an allowed URL has no user information, query, fragment, escapes or spaces")
	}
	hostport := rest
	if i := strings.Index(rest, "/"); i >= 0 {
		hostport, r.path = rest[:i], strings.TrimSuffix(rest[i:], "/")
		if err := checkPath(r.path); err != nil {
			return r, err
		}
	}
	host := hostport
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		if _, err := parsePort(p); err != nil {
			return r, err
		}
		host, r.port = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	host = strings.ToLower(host)
	if s, ok := strings.CutPrefix(host, "*."); ok {
		if msgs := validation.IsDNS1123Subdomain(s); len(msgs) > 0 {
			return r, fmt.Errorf("*.%s: %s", s, strings.Join(msgs, "; "))
		}
		r.suffix = "." + s
		return r, nil
	}
	if _, err := checkHost(host); err != nil {
		return r, err
	}
	r.host = host
	return r, nil
}

// Check returns nil when the list allows raw, else why not.
func (l *List) Check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: only http and https are allowed", u.Scheme)
	}
	switch {
	case u.Opaque != "" || u.Host == "":
		return errors.New("no host (want scheme://host[:port][/path])")
	case u.User != nil:
		return errors.New("user information (the part before @) is not allowed")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "":
		return errors.New("a query or fragment is not allowed")
	case strings.Contains(u.Host, "%"):
		return errors.New("a percent-encoded host is not allowed")
	}
	host := strings.ToLower(u.Hostname())
	isIP, err := checkHost(host)
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	} else if _, err := parsePort(port); err != nil {
		return err
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	if err := checkPath(path); err != nil {
		return err
	}
	for _, r := range l.rules {
		if r.matches(u.Scheme, host, isIP, port, path) {
			return nil
		}
	}
	return fmt.Errorf("not among the allowed URLs %s", l.String())
}

func (r rule) matches(scheme, host string, isIP bool, port, path string) bool {
	if r.scheme != "" && r.scheme != scheme {
		return false
	}
	switch {
	case r.suffix != "":
		if isIP || !strings.HasSuffix(host, r.suffix) || len(host) == len(r.suffix) {
			return false
		}
	case r.host != host:
		return false
	}
	if r.port != "" && r.port != port {
		return false
	}
	return r.path == "" || path == r.path || strings.HasPrefix(path, r.path+"/")
}

// checkHost accepts an IP address that is not link-local or unspecified, or a DNS
// name that no resolver could read as a number; it reports whether host is an IP.
func checkHost(host string) (bool, error) {
	if host == "" {
		return false, errors.New("no host")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsLinkLocalMulticast() || a.IsMulticast() {
			return true, fmt.Errorf("address %s is link-local, multicast or unspecified (the cloud metadata service lives there)", a)
		}
		if a.Zone() != "" {
			return true, errors.New("an address with a zone is not allowed")
		}
		return true, nil
	}
	if msgs := validation.IsDNS1123Subdomain(host); len(msgs) > 0 {
		return false, fmt.Errorf("host %q: %s", host, strings.Join(msgs, "; "))
	}
	labels := strings.Split(host, ".")
	if last := labels[len(labels)-1]; isNumeric(last) {
		// 2852039166, 0xa9fea9fe or 169.254.43518: some resolvers read these as
		// IPv4 addresses (inet_aton); no top-level domain is a number.
		return false, fmt.Errorf("host %q reads as a numeric address", host)
	}
	return false, nil
}

func isNumeric(label string) bool {
	if h, ok := strings.CutPrefix(label, "0x"); ok {
		_, err := strconv.ParseUint(h, 16, 64)
		return err == nil || h == ""
	}
	_, err := strconv.ParseUint(label, 10, 64)
	return err == nil
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
		return 0, fmt.Errorf("port %q: want 1 to 65535", p)
	}
	return n, nil
}

// checkPath refuses dot segments and encoded slashes or dots, which would let a path
// leave an allowed prefix on the server's side.
func checkPath(path string) error {
	lower := strings.ToLower(path)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%2e") || strings.Contains(lower, "%5c") {
		return errors.New("an encoded slash or dot in the path is not allowed")
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return errors.New("a . or .. segment in the path is not allowed")
		}
	}
	return nil
}
