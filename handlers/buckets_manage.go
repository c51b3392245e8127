package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Changing a bucket's contents and settings from its page: a new (empty) folder, moving or
// renaming an object, and the bucket's visibility.

// createFolder handles "POST /buckets/{bucket}/folders": an empty folder in the folder shown. S3 has
// no folders; as MinIO's console does, the folder is an empty object whose key ends in "/", put
// through a link OSCAR signs (as an upload of known length is).
func (p *Pages) createFolder(w http.ResponseWriter, r *http.Request) error {
	name, form, prefix, err := bucketFormPrefix(r)
	if err != nil {
		return err
	}
	input := form.Get("new_folder")
	key, msg := bucket.CheckFolderName(prefix, input, validKey)
	if msg != "" {
		return p.renderBucket(w, r, http.StatusUnprocessableEntity, name, prefix, "", func(b *templates.BucketProps) {
			b.FolderName, b.FolderErrors = input, templates.FieldErrors{"new_folder": msg}
		})
	}
	ep, cr := p.creds(r)
	link, err := p.presignUpload(r.Context(), ep, cr, name)(key)
	if err == nil {
		err = p.oscar.PutObject(r.Context(), link.URL, link.Headers, http.NoBody, 0)
	}
	if err != nil {
		var oe *oscar.Error
		if errors.As(err, &oe) && (oe.BadInput() || oe.Kind == oscar.Forbidden) {
			return p.renderBucket(w, r, http.StatusUnprocessableEntity, name, prefix, "", func(b *templates.BucketProps) {
				b.FolderName, b.FolderErrors = input, templates.FieldErrors{"new_folder": "OSCAR refused: " + oe.UserMessage()}
			})
		}
		return fmt.Errorf("handlers: create folder in %q: %w", name, err)
	}
	p.session(r).Data.AddFlash("Folder " + key + " created.")
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {key}}))
}

// showMoveForm handles "GET /buckets/{bucket}/move?key=": the form to move or rename an object.
func (p *Pages) showMoveForm(w http.ResponseWriter, r *http.Request) error {
	name, key, err := bucketObject(r, func(string) (string, error) { return objectKeyQuery(r.URL.Query().Get("key")) })
	if err != nil {
		return err
	}
	return p.renderMove(w, r, http.StatusOK, moveProps(name, key, key))
}

// moveProps fills the move form of bucket/key with the name to.
func moveProps(name, key, to string) templates.MoveProps {
	return templates.MoveProps{Bucket: name, Key: key, To: to, Action: bucketPath(name, "move"),
		CancelURL: withQuery(bucketPath(name), url.Values{"prefix": {folderOf(key)}}), Errors: templates.FieldErrors{}}
}

func (p *Pages) renderMove(w http.ResponseWriter, r *http.Request, status int, props templates.MoveProps) error {
	return p.render(w, r, status, templates.MovePage(p.layout(r, "Move "+path.Base(props.Key), "buckets"), props))
}

// moveObject handles "POST /buckets/{bucket}/move": copies the object to its new name inside MinIO
// and deletes the original (oscar.MoveObject, signed with the user's MinIO keys on the server).
func (p *Pages) moveObject(w http.ResponseWriter, r *http.Request) error {
	name, form, key, err := bucketFormKey(r)
	if err != nil {
		return err
	}
	props := moveProps(name, key, form.Get("to"))
	to, msg := bucket.CheckMoveTarget(key, props.To, validKey)
	if msg != "" {
		props.Errors["to"] = msg
		return p.renderMove(w, r, http.StatusUnprocessableEntity, props)
	}
	ep, cr := p.creds(r)
	if err := p.oscar.MoveObject(r.Context(), ep, cr, name, key, to); err != nil {
		var oe *oscar.Error
		switch {
		case errors.Is(err, oscar.ErrTargetExists):
			props.Errors["to"] = "A file named " + to + " already exists: choose another name, or delete that file first."
		case errors.As(err, &oe) && (oe.BadInput() || oe.NotFound() || oe.Kind == oscar.Forbidden):
			props.Problem = "The storage refused: " + oe.UserMessage()
		default:
			return fmt.Errorf("handlers: move object in %q: %w", name, err)
		}
		return p.renderMove(w, r, http.StatusUnprocessableEntity, props)
	}
	p.session(r).Data.AddFlash("Moved " + key + " to " + to + ".")
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {folderOf(to)}}))
}

// changeBucketVisibility handles "POST /buckets/{bucket}/visibility": private, public, or
// restricted to the users listed (PUT /system/buckets). Invalid input or OSCAR refusing (a service's
// bucket, not the owner) re-renders the bucket page with the form and its messages.
func (p *Pages) changeBucketVisibility(w http.ResponseWriter, r *http.Request) error {
	name, form, prefix, err := bucketFormPrefix(r)
	if err != nil {
		return err
	}
	f := templates.BucketForm{Visibility: strings.TrimSpace(form.Get("visibility")), AllowedUsers: form.Get("allowed_users")}
	users, errs := bucket.CheckVisibility(f.Visibility, f.AllowedUsers)
	again := func(problem string) error {
		return p.renderBucket(w, r, http.StatusUnprocessableEntity, name, prefix, "", func(b *templates.BucketProps) {
			b.VisForm, b.VisErrors, b.VisProblem = f, templates.FieldErrors(errs), problem
		})
	}
	if len(errs) > 0 {
		return again("")
	}
	ep, cr := p.creds(r)
	if err := p.oscar.UpdateBucket(r.Context(), ep, cr, &oscar.Bucket{Name: name, Visibility: f.Visibility, AllowedUsers: users}); err != nil {
		var oe *oscar.Error
		if errors.As(err, &oe) && (oe.BadInput() || oe.Kind == oscar.Forbidden) {
			return again("OSCAR refused: " + oe.UserMessage())
		}
		return fmt.Errorf("handlers: change visibility of %q: %w", name, err)
	}
	p.session(r).Data.AddFlash("Bucket " + name + " is now " + f.Visibility + ".")
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {prefix}}))
}

// bucketFormPrefix reads and checks the {bucket} path value, the posted form and its folder
// (prefix), for the forms of a bucket's page.
func bucketFormPrefix(r *http.Request) (string, url.Values, string, error) {
	name, form, err := bucketForm(r)
	if err != nil {
		return "", nil, "", err
	}
	prefix, ok := cleanPrefix(form.Get("prefix"))
	if !ok {
		return "", nil, "", badRequest("That folder name is not valid.")
	}
	return name, form, prefix, nil
}
