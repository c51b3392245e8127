package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	// fileMagic starts every session file; the 8 bytes after it are the expiry (Unix nanoseconds,
	// big endian). Keeping the expiry in a small header lets Sweep and Count read 12 bytes per file.
	fileMagic      = "OCS1"
	fileHeaderSize = len(fileMagic) + 8
	fileSuffix     = ".sess"
	tempPrefix     = ".tmp-"
	// tempMaxAge is how old a temporary file must be before Sweep treats it as left over by a crash.
	tempMaxAge          = time.Hour
	defaultSweepEvery   = 5 * time.Minute
	maxKeyLen           = 128
	fileStripes         = 64
	lockPollMax         = 100 * time.Millisecond
	maxGenerations      = 4 * decodedEntries
	fileBackendDirMode  = 0o700
	fileBackendFileMode = 0o600
)

// FileBackend keeps each session in its own file (mode 0600) in one directory (mode 0700). Writes go to
// a temporary file that is then renamed, so readers never see half a session. Expired files are removed
// by Get, by Sweep and by the loop that Run starts. It suits a single replica: its Lock is in-process.
type FileBackend struct {
	dir        string
	log        *slog.Logger
	now        func() time.Time // replaced in tests
	sweepEvery time.Duration

	// stripes serialise writers and the sweeper per key, so Sweep cannot delete a file that a
	// concurrent Set has just renewed.
	stripes [fileStripes]sync.Mutex

	lockMu    sync.Mutex
	locks     map[string]*fileLock
	nextToken uint64

	// gens hold the keys' generations (see Generation), at most maxGenerations of them.
	genMu   sync.Mutex
	gens    map[string]uint64
	genLast uint64

	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Generation returns the current generation of key (see the generational interface): a number that
// changes once the key's file has been written or removed through b. The store is written by this
// process only (it suits a single replica), so an unchanged generation means an unchanged file.
func (b *FileBackend) Generation(key string) uint64 {
	b.genMu.Lock()
	defer b.genMu.Unlock()
	g, ok := b.gens[key]
	if !ok {
		if len(b.gens) >= maxGenerations {
			clear(b.gens) // every holder then reads its session once more
		}
		b.genLast++
		g = b.genLast
		b.gens[key] = g
	}
	return g
}

// changed ends key's generation. It is called after the file changed, so that a reader that took the
// generation before the change, and may have read the old file, sees a new one.
func (b *FileBackend) changed(key string) {
	b.genMu.Lock()
	defer b.genMu.Unlock()
	delete(b.gens, key)
}

// fileLock is one held in-process lock.
type fileLock struct {
	token    uint64
	expires  time.Time
	released chan struct{} // closed when the holder unlocks
}

// NewFileBackend opens (creating if needed) the session directory dir and makes it private (0700).
// A nil log discards messages.
func NewFileBackend(dir string, log *slog.Logger) (*FileBackend, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("session: file store: empty directory")
	}
	if err := os.MkdirAll(dir, fileBackendDirMode); err != nil {
		return nil, fmt.Errorf("session: file store: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone; sessions hold tokens, so tighten it.
	if err := os.Chmod(dir, fileBackendDirMode); err != nil {
		return nil, fmt.Errorf("session: file store: %w", err)
	}
	return &FileBackend{
		dir:        dir,
		log:        log,
		now:        time.Now,
		sweepEvery: defaultSweepEvery,
		locks:      make(map[string]*fileLock),
		gens:       make(map[string]uint64),
	}, nil
}

// Dir returns the directory that holds the session files.
func (b *FileBackend) Dir() string { return b.dir }

func (b *FileBackend) path(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("session: file store: invalid key")
	}
	return filepath.Join(b.dir, key+fileSuffix), nil
}

// validKey accepts the keys the Store makes (hex) and other plain names, never anything that could
// leave the directory or hide as a dot file.
func validKey(key string) bool {
	if key == "" || len(key) > maxKeyLen {
		return false
	}
	for _, c := range key {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

func (b *FileBackend) stripe(key string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return &b.stripes[h.Sum32()%fileStripes]
}

func unavailable(op string, err error) error {
	return fmt.Errorf("session: file store: %s: %w: %w", op, ErrUnavailable, err)
}

// Get implements Backend.
func (b *FileBackend) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := b.path(key)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, unavailable("read", err)
	}
	exp, ok := parseHeader(raw)
	if !ok || !b.now().Before(exp) {
		b.removeIfExpired(key, p)
		return nil, ErrNotFound
	}
	return raw[fileHeaderSize:], nil
}

func parseHeader(raw []byte) (time.Time, bool) {
	if len(raw) < fileHeaderSize || string(raw[:len(fileMagic)]) != fileMagic {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[len(fileMagic):fileHeaderSize]))), true
}

// Set implements Backend. It writes a temporary file and renames it over the old one. It does not
// fsync: after a power failure a session may be lost or torn, and a torn one fails authentication and
// reads as absent, so the cost is one more sign-in, not a security problem.
func (b *FileBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	if ttl <= 0 {
		return errors.New("session: file store: set: ttl must be positive")
	}
	buf := make([]byte, fileHeaderSize, fileHeaderSize+len(val))
	copy(buf, fileMagic)
	binary.BigEndian.PutUint64(buf[len(fileMagic):], uint64(b.now().Add(ttl).UnixNano()))
	buf = append(buf, val...)

	mu := b.stripe(key)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.CreateTemp(b.dir, tempPrefix+"*") // CreateTemp makes the file 0600
	if err != nil {
		return unavailable("write", err)
	}
	tmp := f.Name()
	_, werr := f.Write(buf)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp)
		return unavailable("write", err)
	}
	err = os.Rename(tmp, p)
	b.changed(key) // even if the rename failed: it may have happened
	if err != nil {
		_ = os.Remove(tmp)
		return unavailable("write", err)
	}
	return nil
}

// Delete implements Backend.
func (b *FileBackend) Delete(ctx context.Context, key string) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	mu := b.stripe(key)
	mu.Lock()
	defer mu.Unlock()
	err = os.Remove(p)
	b.changed(key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return unavailable("delete", err)
	}
	return nil
}

// removeIfExpired deletes the file at p if it is (still) expired or unreadable as a session, checked
// under the key's stripe lock so a concurrent Set is never undone.
func (b *FileBackend) removeIfExpired(key, p string) bool {
	mu := b.stripe(key)
	mu.Lock()
	defer mu.Unlock()
	exp, ok, err := b.readExpiry(p)
	if err != nil || (ok && b.now().Before(exp)) {
		return false
	}
	err = os.Remove(p)
	b.changed(key)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			b.log.Warn("session: file store: remove expired session", "err", err)
		}
		return false
	}
	return true
}

// readExpiry reads only the header of the file at p. ok is false when the file is not a session file.
func (b *FileBackend) readExpiry(p string) (exp time.Time, ok bool, err error) {
	f, err := os.Open(p)
	if err != nil {
		return time.Time{}, false, err
	}
	defer f.Close()
	hdr := make([]byte, fileHeaderSize)
	if _, err := io.ReadFull(f, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, err
	}
	exp, ok = parseHeader(hdr)
	return exp, ok, nil
}

// Sweep removes expired session files, and temporary files left behind by a crash. It returns how many
// session files it removed.
func (b *FileBackend) Sweep(ctx context.Context) (int, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, unavailable("sweep", err)
	}
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("session: file store: sweep: %w", err)
		}
		name := e.Name()
		switch {
		case strings.HasPrefix(name, tempPrefix):
			if info, err := e.Info(); err == nil && b.now().Sub(info.ModTime()) > tempMaxAge {
				_ = os.Remove(filepath.Join(b.dir, name))
			}
		case strings.HasSuffix(name, fileSuffix):
			key := strings.TrimSuffix(name, fileSuffix)
			if validKey(key) && b.removeIfExpired(key, filepath.Join(b.dir, name)) {
				removed++
			}
		}
	}
	return removed, nil
}

// Run starts a goroutine that sweeps now and then every few minutes, until ctx is done or Close is
// called. Calling Run again while it runs does nothing.
func (b *FileBackend) Run(ctx context.Context) {
	b.runMu.Lock()
	defer b.runMu.Unlock()
	if b.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	b.cancel, b.done = cancel, done
	go func() {
		defer close(done)
		t := time.NewTicker(b.sweepEvery)
		defer t.Stop()
		for {
			n, err := b.Sweep(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				b.log.Warn("session: sweep failed", "err", err)
			case n > 0:
				b.log.Debug("session: swept expired sessions", "removed", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Lock implements Backend with an in-process lock per key: good for one replica, which is what the
// file store serves.
func (b *FileBackend) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if ttl <= 0 {
		return nil, errors.New("session: file store: lock: ttl must be positive")
	}
	for {
		b.lockMu.Lock()
		now := time.Now()
		cur, held := b.locks[key]
		if !held || !now.Before(cur.expires) {
			b.nextToken++
			l := &fileLock{token: b.nextToken, expires: now.Add(ttl), released: make(chan struct{})}
			b.locks[key] = l
			b.lockMu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.unlock(key, l) }) }, nil
		}
		wait := cur.expires.Sub(now)
		released := cur.released
		b.lockMu.Unlock()

		// Wake when the holder unlocks or its lock lapses, whichever is first.
		t := time.NewTimer(min(wait, lockPollMax))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("session: file store: lock: %w", ctx.Err())
		case <-released:
		case <-t.C:
		}
		t.Stop()
	}
}

// unlock releases l if it is still the lock held for key; a lapsed lock taken over by someone else is
// left alone.
func (b *FileBackend) unlock(key string, l *fileLock) {
	b.lockMu.Lock()
	defer b.lockMu.Unlock()
	if cur, ok := b.locks[key]; ok && cur.token == l.token {
		delete(b.locks, key)
	}
	close(l.released)
}

// Ping implements Backend: the directory must still be there.
func (b *FileBackend) Ping(ctx context.Context) error {
	info, err := os.Stat(b.dir)
	if err != nil {
		return unavailable("ping", err)
	}
	if !info.IsDir() {
		return unavailable("ping", fmt.Errorf("%s is not a directory", b.dir))
	}
	return nil
}

// Count implements Backend: the number of session files that have not expired.
func (b *FileBackend) Count(ctx context.Context) (int, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, unavailable("count", err)
	}
	now := b.now()
	n := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("session: file store: count: %w", err)
		}
		if !strings.HasSuffix(e.Name(), fileSuffix) {
			continue
		}
		exp, ok, err := b.readExpiry(filepath.Join(b.dir, e.Name()))
		if err == nil && ok && now.Before(exp) {
			n++
		}
	}
	return n, nil
}

// Close stops the sweeper started by Run and waits for it.
func (b *FileBackend) Close() error {
	b.runMu.Lock()
	cancel, done := b.cancel, b.done
	b.cancel, b.done = nil, nil
	b.runMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}
