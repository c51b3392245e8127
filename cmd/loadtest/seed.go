package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// seedVO is the VO of every simulated OIDC user and the fake cluster's only OIDC group.
const seedVO = "vo.access.egi.eu"

// homeServices is how many services each simulated user works with (views, and has jobs in).
const homeServices = 5

// simUser is one simulated user.
type simUser struct {
	index int
	sub   string
	token string // OIDC access token (JWT-shaped); "" for basic-auth users
	home  []string
}

// tokenOwner is what the fake's Tokens hook learns from a token.
type tokenOwner struct {
	index  int
	sub    string
	groups []string
}

// serviceName is the name of seeded service i.
func serviceName(i int) string { return fmt.Sprintf("svc-%04d", i) }

// newUsers makes n users. Each works with homeServices of the nServices services, spread evenly.
func newUsers(n, nServices int, now time.Time) []simUser {
	users := make([]simUser, n)
	for i := range users {
		sum := sha256.Sum256(fmt.Appendf(nil, "loadtest user %d", i))
		u := simUser{index: i, sub: hex.EncodeToString(sum[:16]) + "@egi.eu"}
		u.token = jwtShaped(u.sub, now)
		for k := range min(homeServices, nServices) {
			u.home = append(u.home, serviceName((i*7+k*(nServices/homeServices+1))%nServices))
		}
		users[i] = u
	}
	return users
}

// tokensOf maps each user's token to its owner, for the fake's Tokens hook.
func tokensOf(users []simUser) map[string]tokenOwner {
	m := make(map[string]tokenOwner, len(users))
	for _, u := range users {
		m[u.token] = tokenOwner{index: u.index, sub: u.sub, groups: []string{seedVO}}
	}
	return m
}

// jwtShaped returns a token shaped like an EGI Check-in access token: a JWT with a realistic header
// and claims and a random 2048-bit "signature". Nothing verifies it: the fake OSCAR accepts it through
// its Tokens hook, and the console only decodes its claims for the token page.
func jwtShaped(sub string, now time.Time) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "loadtest-key-2026"})
	claims, _ := json.Marshal(map[string]any{
		"exp": now.Add(24 * time.Hour).Unix(), "iat": now.Unix(), "auth_time": now.Unix(),
		"jti": randomHex(16), "iss": "https://aai.egi.eu/auth/realms/egi", "aud": []string{"oscar-console", "account"},
		"sub": sub, "typ": "Bearer", "azp": "oscar-console", "session_state": randomHex(18), "sid": randomHex(18),
		"scope":                 "openid profile email entitlements eduperson_entitlement voperson_id offline_access",
		"voperson_id":           sub,
		"eduperson_entitlement": []string{"urn:mace:egi.eu:group:" + seedVO + ":role=member#aai.egi.eu", "urn:mace:egi.eu:group:" + seedVO + ":role=vm_operator#aai.egi.eu"},
	})
	sig := make([]byte, 256)
	_, _ = rand.Read(sig)
	return enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomB64 returns n characters of random base64url, for opaque token bodies.
func randomB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// sessionData is the session a simulated user would have after signing in: for OIDC the sizes of an
// EGI Check-in sign-in (access token as above, a 600-character refresh token, an 1100-character ID
// token, UserInfo with entitlements), with an expiry far enough away that no refresh happens.
func sessionData(u simUser, kind, endpoint string, now time.Time) session.Data {
	if kind == session.KindBasic {
		d := session.Data{Kind: session.KindBasic, BasicUser: basicUserName(u.index), BasicPassword: basicUserPassword}
		d.Remember(endpoint)
		return d
	}
	userinfo, _ := json.Marshal(map[string]any{
		"sub": u.sub, "voperson_id": u.sub, "name": fmt.Sprintf("Load User %d", u.index), "email": fmt.Sprintf("load%d@example.org", u.index),
		"email_verified": true, "preferred_username": fmt.Sprintf("load%d", u.index),
		"entitlements":          []string{"urn:mace:egi.eu:group:" + seedVO + ":role=member#aai.egi.eu"},
		"eduperson_entitlement": []string{"urn:mace:egi.eu:group:" + seedVO + ":role=member#aai.egi.eu"},
	})
	d := session.Data{
		Kind: session.KindOIDC, Provider: "egi", Subject: u.sub, VOPersonID: u.sub,
		Name: fmt.Sprintf("Load User %d", u.index), Email: fmt.Sprintf("load%d@example.org", u.index),
		VOs:          []string{seedVO},
		AccessToken:  u.token,
		RefreshToken: "eyJ" + randomB64(597),
		IDToken:      "eyJ" + randomB64(1097),
		Expiry:       now.Add(24 * time.Hour),
		Scopes:       strings.Fields("openid profile email entitlements eduperson_entitlement voperson_id offline_access"),
		UserInfo:     userinfo,
	}
	d.Remember(endpoint)
	return d
}

// seedServices stores n services in the fake: public (every user sees every one), with the members a
// real OSCAR answer has (MinIO input and output, environment, labels, resources).
func seedServices(f *oscartest.Server, n int) error {
	for i := range n {
		name := serviceName(i)
		def := map[string]any{
			"name":       name,
			"cluster_id": "oscar-cluster",
			"image":      "ghcr.io/grycap/cowsay:1." + fmt.Sprint(i%10),
			"script":     "#!/bin/sh\n# " + name + ": read the input file, write a cow to the output folder\nFILE_NAME=$(basename \"$INPUT_FILE_PATH\")\ncat \"$INPUT_FILE_PATH\" | /usr/games/cowsay > \"$TMP_OUTPUT_DIR/$FILE_NAME\"\n",
			"memory":     []string{"256Mi", "512Mi", "1Gi", "2Gi"}[i%4],
			"cpu":        []string{"0.2", "0.5", "1", "2"}[i%4],
			"log_level":  "INFO",
			"alpine":     false,
			"input":      []map[string]any{{"storage_provider": "minio.default", "path": name + "/input"}},
			"output":     []map[string]any{{"storage_provider": "minio.default", "path": name + "/output", "suffix": []string{".txt"}}},
			"environment": map[string]any{
				"variables": map[string]string{"MODEL": "cowsay-" + fmt.Sprint(i), "THREADS": "2", "OUTPUT_FORMAT": "text"},
			},
			"labels":      map[string]string{"app": "loadtest", "team": fmt.Sprintf("team-%d", i%7)},
			"annotations": map[string]string{"description": "Service " + name + " seeded by cmd/loadtest"},
			"vo":          seedVO,
			"owner":       "0123456789abcdef0123456789abcdef@egi.eu",
			"visibility":  "public",
			"namespace":   "oscar-svc",
			"bucket_list": []string{name},
		}
		if err := f.PutService(def); err != nil {
			return fmt.Errorf("loadtest: seed service %s: %w", name, err)
		}
	}
	return nil
}

// seedJobs gives each user perService jobs in each of its home services, owned by the user (OSCAR
// shows a bearer caller only its own jobs; the basic-auth admin sees them all).
func seedJobs(f *oscartest.Server, users []simUser, perService int, now time.Time) {
	statuses := []string{"Succeeded", "Succeeded", "Failed", "Running", "Pending"}
	for _, u := range users {
		for _, svc := range u.home {
			jobs := make([]oscartest.Job, perService)
			for j := range jobs {
				created := now.Add(-time.Duration(u.index*perService+j) * time.Minute).UTC()
				jobs[j] = oscartest.Job{
					Name:    fmt.Sprintf("%s-u%04d-%03d", svc, u.index, j),
					Status:  statuses[j%len(statuses)],
					Owner:   u.sub,
					Log:     "processing input.txt\ndone\n",
					Created: created, Started: created.Add(3 * time.Second),
				}
				if jobs[j].Status == "Succeeded" || jobs[j].Status == "Failed" {
					jobs[j].Finished = created.Add(40 * time.Second)
				}
			}
			f.SetJobs(svc, jobs...)
		}
	}
}
