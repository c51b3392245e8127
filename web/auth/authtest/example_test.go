package authtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
)

// A whole login against the test OP with a plain Go HTTP client. In a test,
// use authtest.New(t, ...) instead of Start and Close.
func Example() {
	op, err := authtest.Start(authtest.Options{PublicURL: "https://console.example"})
	if err != nil {
		log.Fatal(err)
	}
	defer op.Close()
	op.AddUser(authtest.User{
		Subject:      "a1b2c3@egi.eu",
		VOPersonID:   "a1b2c3@egi.eu",
		Name:         "Alice Example",
		Email:        "alice@example.org",
		Entitlements: []string{"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu"},
	})
	op.LoginAs("a1b2c3@egi.eu")

	p := auth.New(op.ProviderConfig(), nil, nil)
	ctx := context.Background()
	if err := p.Discover(ctx); err != nil {
		log.Fatal(err)
	}
	ls, authURL, err := p.AuthCodeURL("/services", "https://oscar.example.org")
	if err != nil {
		log.Fatal(err)
	}
	callback, err := op.Authorize(authURL) // what the browser would bring to /auth/callback
	if err != nil {
		log.Fatal(err)
	}
	tok, id, err := p.Exchange(ctx, ls, callback)
	if err != nil {
		log.Fatal(err)
	}
	sub, groups, ok := op.ValidateAccessToken(tok.AccessToken) // as a fake OSCAR would
	fmt.Println(id.Key(), id.VOs, ls.Next)
	fmt.Println(sub, groups, ok)
	// Output:
	// a1b2c3@egi.eu [vo.example.eu] /services
	// a1b2c3@egi.eu [vo.example.eu] true
}
