package redistest

import (
	"bufio"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"
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

// TestPauseResume: a paused server accepts connections but does not answer (unlike a stopped one,
// which refuses them), answers again after Resume with its data kept, and can be stopped and restarted
// while paused.
func TestPauseResume(t *testing.T) {
	rs := New(t)
	u, err := url.Parse(rs.URL())
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
	rs.Pause()
	rs.Pause() // a second pause is harmless
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		t.Fatalf("dial a paused server: %v; want the connection accepted", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatalf("write to a paused server: %v", err)
	}
	// How long to wait for an answer that must not come; not a performance bound.
	if err := c.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from a paused server = %q, %v; want no answer (deadline exceeded)", buf[:n], err)
	}
	rs.Resume()
	rs.Resume() // a second resume is harmless
	// The PING sent while paused is answered now.
	if err := c.SetReadDeadline(time.Now().Add(stopWait)); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "+PONG\r\n" {
		t.Fatalf("reply after resume = %q, %v; want +PONG", line, err)
	}
	if got, err := roundTrip(port, "GET k"); err != nil || got != "$1" {
		t.Fatalf("GET after resume = %q, %v; want the value kept ($1)", got, err)
	}
	rs.Pause()
	rs.Stop() // a paused server is resumed, then shut down with its data saved
	if err := ping(port); err == nil {
		t.Fatal("PING answered after stop")
	}
	rs.Restart()
	if got, err := roundTrip(port, "GET k"); err != nil || got != "$1" {
		t.Fatalf("GET after restart = %q, %v; want the value kept ($1)", got, err)
	}
	rs.Pause() // left paused: the test's cleanup must still end it
}
