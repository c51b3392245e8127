# OSCAR Console: the two set-up commands are `make run` and `make test` (see README.md).
# Every go command runs with the project's toolchain: Go 1.27.3 (1.26.8 has net/http vulnerabilities).
export GOTOOLCHAIN := go1.27.3

.PHONY: run test deps screenshots bench loadtest generate vet

# run: the console on http://localhost:8080 with embedded defaults (basic-auth sign-in; set
# CONSOLE_OIDC_CLIENT_ID and a secret for EGI Check-in).
run:
	go run ./cmd/oscar-console

# test: installs what the tests need when missing (Debian's chromium and redis-server, axe-core from
# npm), then runs every test, browser tests included, with the race detector.
test: deps
	go test -race -count=1 ./...

deps:
	bash .ci/deps

generate:
	go tool templ generate

vet:
	go vet ./...

# screenshots: renders every screen at 1280x800 and 390x844 into docs/screenshots/.
screenshots: deps
	SCREENSHOTS=docs/screenshots go test -count=1 -run TestScreenshots ./web/e2e/

# bench: the Go benchmarks recorded in docs/performance.md.
bench:
	go test -run '^$$' -bench . -benchmem ./...

# loadtest: the load test of docs/performance.md (100 users, 20 s, console and fake OSCAR in-process).
loadtest:
	go run ./cmd/loadtest -users 100 -duration 20s -think 1s
