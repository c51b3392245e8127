package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestEveryLineWithTheContextCarriesTheID(t *testing.T) {
	var buf bytes.Buffer
	log := Logger(slog.New(slog.NewTextHandler(&buf, nil)))
	ctx := NewContext(context.Background(), "abc123")
	log.InfoContext(ctx, "one")
	log.With("k", "v").WarnContext(ctx, "two")
	log.WithGroup("g").InfoContext(ctx, "three", "x", 1)
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	for _, l := range lines[:2] {
		if !strings.Contains(l, "request_id=abc123") {
			t.Errorf("line without the request ID: %s", l)
		}
	}
	if !strings.Contains(lines[2], "abc123") {
		t.Errorf("grouped line without the request ID: %s", lines[2])
	}
	if strings.Contains(lines[3], "request_id") {
		t.Errorf("a line logged without a request's context names one: %s", lines[3])
	}
}

func TestWrappingTwiceAddsTheIDOnce(t *testing.T) {
	var buf bytes.Buffer
	log := Logger(Logger(slog.New(slog.NewTextHandler(&buf, nil))))
	log.InfoContext(NewContext(context.Background(), "x1"), "once")
	if n := strings.Count(buf.String(), "request_id="); n != 1 {
		t.Fatalf("request_id appears %d times: %s", n, buf.String())
	}
	if FromContext(context.Background()) != "" {
		t.Fatal("an empty context has a request ID")
	}
}
