package main

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// TestDBProxyRelaysAndDelays sends lines through the proxy to an echo server on
// loopback: without a delay they come back unchanged; with one, each reply is held at
// least that long; after Close the proxy refuses new connections.
func TestDBProxyRelaysAndDelays(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	p, err := startDBProxy(func() (string, error) { return echo.Addr().String(), nil })
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.URL("postgres://u:pw@127.0.0.1:5432/db?sslmode=disable")
	if err != nil || u != "postgres://u:pw@"+p.Addr()+"/db?sslmode=disable" {
		t.Fatalf("URL = %q, %v", u, err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	roundTrip := func(msg string) time.Duration {
		t.Helper()
		start := time.Now()
		if _, err := io.WriteString(c, msg+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || got != msg+"\n" {
			t.Fatalf("echo of %q = %q, %v", msg, got, err)
		}
		return time.Since(start)
	}
	roundTrip("plain")
	const delay = 50 * time.Millisecond
	p.SetDelay(delay)
	if took := roundTrip("slowed"); took < delay {
		t.Errorf("a reply with a %s delay came back after %s", delay, took)
	}
	p.SetDelay(0)
	roundTrip("plain again")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if c2, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c2.Close()
		t.Error("the closed proxy still accepts connections")
	}
}
