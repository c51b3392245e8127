package redistest

import (
	"net/url"
	"strconv"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	raw, stop, restart := Start(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(port, "SET k v"); err != nil || got != "+OK" {
		t.Fatalf("SET = %q, %v; want +OK", got, err)
	}
	stop()
	if err := ping(port); err == nil {
		t.Fatal("PING answered after stop")
	}
	stop() // a second stop is harmless
	restart()
	if got, err := roundTrip(port, "GET k"); err != nil || got != "$1" {
		t.Fatalf("GET after restart = %q, %v; want the value kept ($1)", got, err)
	}
	restart() // restart of a running server also works
	if err := ping(port); err != nil {
		t.Fatalf("PING after second restart: %v", err)
	}
}
