package oscar_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// testPolicy is what tests against the fake need: it listens on
// 127.0.0.1 over http.
func testPolicy() oscar.Policy { return oscar.Policy{AllowPrivate: true, AllowHTTP: true} }

// admin is the fake's Basic-auth account.
func admin() oscar.Creds {
	return oscar.Creds{User: oscartest.DefaultBasicUser, Password: oscartest.DefaultBasicPassword}
}

// users maps test bearer tokens to subs and groups.
func users(tok string) (string, []string, bool) {
	switch tok {
	case "alice-token":
		return "alice@egi.eu", []string{"vo.example.eu"}, true
	case "bob-token":
		return "bob@egi.eu", []string{"vo.example.eu"}, true
	case "carol-token":
		return "carol@egi.eu", []string{"vo.other.eu"}, true
	}
	return "", nil, false
}

func alice() oscar.Creds { return oscar.Creds{Token: "alice-token"} }
func bob() oscar.Creds   { return oscar.Creds{Token: "bob-token"} }

type env struct {
	srv *oscartest.Server
	c   *oscar.Client
	ep  oscar.Endpoint
	ctx context.Context
}

// setup starts a fake (failing the test on contract violations) and a
// client for it.
func setup(t *testing.T, so oscartest.Options, co oscar.Options) env {
	t.Helper()
	if so.Tokens == nil {
		so.Tokens = users
	}
	if so.OIDCGroups == nil {
		so.OIDCGroups = []string{"vo.example.eu", "vo.other.eu"}
	}
	srv := oscartest.NewT(t, so)
	return clientFor(t, srv, co)
}

// setupLoose is setup without the violation check, for tests that send
// requests the contract refuses on purpose.
func setupLoose(t *testing.T, so oscartest.Options, co oscar.Options) env {
	t.Helper()
	if so.Tokens == nil {
		so.Tokens = users
	}
	if so.OIDCGroups == nil {
		so.OIDCGroups = []string{"vo.example.eu", "vo.other.eu"}
	}
	srv := oscartest.New(so)
	t.Cleanup(srv.Close)
	return clientFor(t, srv, co)
}

func clientFor(t *testing.T, srv *oscartest.Server, co oscar.Options) env {
	t.Helper()
	if co.Policy.Allowed == nil && !co.Policy.AllowHTTP && !co.Policy.AllowPrivate {
		co.Policy = testPolicy()
	}
	ep, err := oscar.ParseEndpoint(srv.URL(), co.Policy)
	if err != nil {
		t.Fatalf("ParseEndpoint(%q): %v", srv.URL(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return env{srv: srv, c: oscar.New(co), ep: ep, ctx: ctx}
}

// kindOf returns the Kind of an *oscar.Error, failing the test for any
// other error.
func kindOf(t *testing.T, err error) oscar.Kind {
	t.Helper()
	var oe *oscar.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *oscar.Error", err, err)
	}
	return oe.Kind
}

func asError(t *testing.T, err error) *oscar.Error {
	t.Helper()
	var oe *oscar.Error
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *oscar.Error", err, err)
	}
	return oe
}

func minimal(name string) *oscar.Service {
	return &oscar.Service{Name: name, Image: "ghcr.io/grycap/imagemagick", Script: "#!/bin/sh\necho hi\n"}
}
