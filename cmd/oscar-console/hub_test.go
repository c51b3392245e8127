package main

import (
	"io"
	"strings"
	"testing"
)

func TestHubSources(t *testing.T) {
	home := t.TempDir()
	c, err := loadConfig(nil, env(map[string]string{"HOME": home}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.hub) != 1 || c.hub[0].String() != "github:grycap/oscar-hub@main" {
		t.Errorf("default sources %v, want the public OSCAR Hub", c.hub)
	}
	c, err = loadConfig(nil, env(map[string]string{"HOME": home, "CONSOLE_HUB_SOURCES": "github:me/crates@dev, file:/srv/hub"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.hub) != 2 || c.hub[0].String() != "github:me/crates@dev" || c.hub[1].String() != "file:/srv/hub" {
		t.Errorf("sources %v", c.hub)
	}
	for _, off := range [][]string{nil, {"--hub-sources="}} {
		vars := map[string]string{"HOME": home}
		if off == nil {
			vars["CONSOLE_HUB_SOURCES"] = "off"
		}
		c, err = loadConfig(off, env(vars), io.Discard)
		if err != nil || len(c.hub) != 0 {
			t.Errorf("%v %v: sources %v, err %v; want the Hub off", off, vars, c.hub, err)
		}
	}
	_, err = loadConfig(nil, env(map[string]string{"HOME": home, "CONSOLE_HUB_SOURCES": "http://plain.example.org,ftp://x"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CONSOLE_HUB_SOURCES") || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("bad sources: err = %v, want a refusal naming the setting", err)
	}
}
