// Package redistest runs a real, throw-away redis-server for tests.
//
// Start launches redis-server on a free loopback port with persistence off (--save "" --appendonly no)
// and a private directory. stop shuts it down and restart brings it back on the same port with the same
// data (stop asks Redis for a final snapshot with SHUTDOWN SAVE, which works even with persistence off),
// which is what a test of "Redis goes away mid-session and comes back" needs.
//
// New returns the same server as a *Server, which can also Pause it (SIGSTOP) and Resume it (SIGCONT):
// a paused Redis still accepts TCP connections (the kernel completes the handshake) but never answers,
// which is how a hung or partitioned Redis looks to a client, unlike a stopped one that refuses at once.
//
// When redis-server is not installed the test is skipped, except under CI=true, where it fails: a CI run
// must not pass by skipping the Redis tests.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// readyWait bounds how long Start waits for a freshly started server to answer PING. It is a
	// start-up limit, not a performance assertion.
	readyWait = 15 * time.Second
	// stopWait bounds how long stop waits for SHUTDOWN before killing the process.
	stopWait = 10 * time.Second
)

// server is one redis-server process and what is needed to start it again.
type server struct {
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd  // nil while stopped
	exited chan error // receives cmd.Wait's result
	paused bool       // the process is stopped by SIGSTOP
}

// Server is a test redis-server started by New.
type Server struct {
	t   testing.TB
	s   *server
	url string
}

// URL is the server's address, redis://127.0.0.1:port/0.
func (rs *Server) URL() string { return rs.url }

// Stop shuts the server down, saving its data for Restart. Stopping a stopped server does nothing; a
// paused one is resumed first.
func (rs *Server) Stop() {
	rs.t.Helper()
	if err := rs.s.stop(); err != nil {
		rs.t.Errorf("redistest: stop: %v", err)
	}
}

// Restart stops the server (if it runs) and starts it again on the same port with the same data.
func (rs *Server) Restart() {
	rs.t.Helper()
	if err := rs.s.stop(); err != nil {
		rs.t.Errorf("redistest: restart: %v", err)
	}
	if err := rs.s.start(); err != nil {
		rs.t.Fatalf("redistest: restart: %v", err)
	}
}

// Pause freezes the running server with SIGSTOP: connections, old and new, hang instead of being
// refused, until Resume. Pausing a paused server does nothing.
func (rs *Server) Pause() {
	rs.t.Helper()
	if err := rs.s.signal(syscall.SIGSTOP, true); err != nil {
		rs.t.Fatalf("redistest: pause: %v", err)
	}
}

// Resume lets a paused server run again (SIGCONT); it then answers what it was sent meanwhile.
// Resuming a server that is not paused does nothing.
func (rs *Server) Resume() {
	rs.t.Helper()
	if err := rs.s.signal(syscall.SIGCONT, false); err != nil {
		rs.t.Fatalf("redistest: resume: %v", err)
	}
}

// Start starts a redis-server for the test and returns its URL (redis://127.0.0.1:port/0), a stop
// function and a restart function. Both may be called any number of times; the server is stopped
// when the test ends.
func Start(t testing.TB) (url string, stop func(), restart func()) {
	t.Helper()
	rs := New(t)
	return rs.URL(), rs.Stop, rs.Restart
}

// New starts a redis-server for the test, like Start, and returns it with its controls. It is killed
// when the test ends, paused or not.
func New(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server not found in PATH (CI=true, so this fails instead of skipping): %v", err)
		}
		t.Skip("redistest: redis-server not found in PATH; install it (apt-get install redis-server) to run the Redis tests")
	}
	s := &server{bin: bin, dir: t.TempDir()}
	var lastErr error
	// Another process may take the free port between our probe and redis-server's bind: try a few.
	for range 5 {
		s.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if lastErr = s.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("redistest: start redis-server: %v", lastErr)
	}
	t.Cleanup(s.kill)
	return &Server{t: t, s: s, url: fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start launches redis-server (if it is not running) and waits until it answers PING.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	out := &output{}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	cmd.Stdout, cmd.Stderr = out, out // one writer: exec then calls Write from one goroutine at a time
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(readyWait)
	for {
		if err := ping(s.port); err == nil {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited (%v): %s", err, strings.TrimSpace(out.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server did not answer PING within %s: %s", readyWait, strings.TrimSpace(out.String()))
		}
	}
}

// stop shuts the server down after a snapshot (so restart finds the same data), killing it if it does
// not exit in time.
func (s *server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	if s.paused {
		// A stopped process would never read SHUTDOWN.
		if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
			return fmt.Errorf("resume before shutdown: %w", err)
		}
		s.paused = false
	}
	s.cmd, s.exited = nil, nil
	// SHUTDOWN closes the connection instead of replying when it succeeds.
	_ = send(s.port, "SHUTDOWN SAVE")
	select {
	case <-exited:
		return nil
	case <-time.After(stopWait):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("redis-server ignored SHUTDOWN for %s and was killed; its data is lost", stopWait)
	}
}

// kill ends the server without saving (test cleanup).
func (s *server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // SIGKILL ends a paused process too
	<-s.exited
	s.cmd, s.exited, s.paused = nil, nil, false
}

// signal sends SIGSTOP (paused true) or SIGCONT (paused false) to the running server.
func (s *server) signal(sig syscall.Signal, paused bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redis-server is not running")
	}
	if s.paused == paused {
		return nil
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		return err
	}
	s.paused = paused
	return nil
}

// ping sends PING and expects +PONG.
func ping(port int) error {
	reply, err := roundTrip(port, "PING")
	if err != nil {
		return err
	}
	if reply != "+PONG" {
		return fmt.Errorf("PING answered %q", reply)
	}
	return nil
}

// send sends one inline command and ignores the reply.
func send(port int, cmd string) error {
	_, err := roundTrip(port, cmd)
	return err
}

// roundTrip sends one inline command (RESP inline form) and returns the first reply line.
func roundTrip(port int, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(stopWait)); err != nil {
		return "", err
	}
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// output collects redis-server's stdout and stderr for error messages; it is read while the process
// may still write.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
