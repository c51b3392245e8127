package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/oscarconsole/oscar-console/web/hub"
)

// Routes registers every page of the console, grouped by screen. It is the one place that says which
// URL runs which handler behind which guards; the handlers themselves read their URL parameters with
// r.PathValue and know nothing of the router.
//
// Every request first gets its session (withSession). Form posts are bounded by the form limit and
// parsed up front (readForm); the two routes whose bodies stream get their own bound with r.With.
func (p *Pages) Routes(r chi.Router) {
	r.Use(p.withSession)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { p.Problem(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { p.Problem(w, r, http.StatusMethodNotAllowed) })

	// Signed out (signin.go): the login page, the OIDC flow, basic auth, logout.
	r.Group(func(r chi.Router) {
		r.Use(p.readForm)
		r.Get("/", p.handle(p.showHome))
		r.Get("/login", p.handle(p.showLogin))
		r.Post("/auth/login", p.handle(p.startLogin))
		r.Get("/auth/callback", p.handle(p.finishLogin))
		r.Post("/login/basic", p.handle(p.loginWithPassword))
		r.Post("/logout", p.handle(p.logout))
		r.Get("/logged-out", p.handle(p.showLoggedOut))
	})

	// Signed in: a session with a fresh token (requireLogin), and at most maxUpstreamPerSession
	// requests of one session at once across all these routes (limitUpstream; its gate is built once,
	// in New).
	r.Group(func(r chi.Router) {
		r.Use(p.requireLogin, p.limitUpstream)

		// Bodies that stream, each bounded by its own limit instead of the form limit.
		// buckets_objects.go: the handler streams each file part to MinIO, bounded by CONSOLE_MAX_UPLOAD.
		r.Post("/buckets/{bucket}/upload", p.handle(p.uploadObjects))
		// invoke.go: text or one file, base64-encoded on its way to OSCAR.
		r.With(limitBody(maxInvokeBody)).Post("/services/{name}/invoke", p.handle(p.invokeService))
		// hub_deploy.go: a crate folder as a zip, read in memory, bounded by hub.MaxZip.
		r.With(p.requireHub, limitBody(hub.MaxZip+64<<10)).Post("/hub/validate", p.handle(p.checkUploadedCrate))

		r.Group(func(r chi.Router) {
			r.Use(p.readForm)

			// The OSCAR endpoint (signin_endpoint.go).
			r.Get("/endpoint", p.handle(p.showEndpoint))
			r.Post("/endpoint", p.handle(p.switchEndpoint))

			// The token page (token.go).
			r.Get("/token", p.handle(p.showToken))
			r.Post("/token/refresh", p.handle(p.refreshToken))

			// The services list and a service's page (services.go).
			r.Get("/services", p.handle(p.listServices))
			r.Post("/services/delete", p.handle(p.deleteServices))
			r.Get("/services/{name}", p.handle(p.showService))
			r.Get("/services/{name}/delete", p.handle(p.confirmDeleteService))
			r.Post("/services/{name}/delete", p.handle(p.deleteService))

			// A service's deployment, its logs, and stop, start and restart of an exposed service
			// (services_deployment.go).
			r.Get("/services/{name}/deployment", p.handle(p.showDeployment))
			r.Get("/services/{name}/deployment/logs", p.handle(p.showDeploymentLogs))
			r.Get("/services/{name}/stop", p.handle(p.confirmStopService))
			r.Post("/services/{name}/stop", p.handle(p.stopService))
			r.Post("/services/{name}/start", p.handle(p.startService))
			r.Post("/services/{name}/restart", p.handle(p.restartService))

			// The wizard, new and edit, one URL per step (wizard.go).
			r.Get("/services/new", p.handle(p.startWizard))
			r.Get("/services/new/{step}", p.handle(p.showWizardStep))
			r.Post("/services/new/{step}", p.handle(p.saveWizardStep))
			r.Get("/services/{name}/edit", p.handle(p.startWizard))
			r.Get("/services/{name}/edit/{step}", p.handle(p.showWizardStep))
			r.Post("/services/{name}/edit/{step}", p.handle(p.saveWizardStep))

			// FDL import into the new-service draft, and export of a service (fdl.go).
			r.Get("/services/import", p.handle(p.showImport))
			r.Post("/services/import", p.handle(p.importFDL))
			r.Post("/services/import/choose", p.handle(p.chooseImport))
			// A whole file applied at once: its Review, the apply, its progress (fdl_apply.go).
			r.Get("/services/import/apply", p.handle(p.showFileReview))
			r.Post("/services/import/apply", p.handle(p.applyFile))
			r.Get("/services/import/apply/{id}", p.handle(p.showApply))
			r.Get("/services/export", p.handle(p.exportServices))
			r.Post("/services/export", p.handle(p.exportCompleteServices))
			r.Get("/services/{name}/export", p.handle(p.exportFDL))
			r.Post("/services/{name}/export", p.handle(p.exportCompleteFDL))
			r.Get("/services/{name}/export/script", p.handle(p.exportScript))

			// Jobs and their logs (jobs.go).
			r.Get("/services/{name}/jobs", p.handle(p.listJobs))
			r.Get("/services/{name}/jobs/delete", p.handle(p.confirmDeleteJobs))
			r.Post("/services/{name}/jobs/delete", p.handle(p.deleteJobs))
			r.Get("/services/{name}/jobs/{job}", p.handle(p.showJobLog))
			r.Get("/services/{name}/jobs/{job}/delete", p.handle(p.confirmDeleteJob))
			r.Post("/services/{name}/jobs/{job}/delete", p.handle(p.deleteJob))

			// Invocation (invoke.go; its POST is above, with its own body limit).
			r.Get("/services/{name}/invoke", p.handle(p.showInvokeForm))

			// Buckets (buckets.go) and their objects (buckets_objects.go; the upload POST is above).
			r.Get("/buckets", p.handle(p.listBuckets))
			r.Post("/buckets", p.handle(p.createBucket))
			r.Get("/buckets/{bucket}", p.handle(p.showBucket))
			r.Get("/buckets/{bucket}/delete", p.handle(p.confirmDeleteBucket))
			r.Post("/buckets/{bucket}/delete", p.handle(p.deleteBucket))
			r.Get("/buckets/{bucket}/upload", p.handle(p.redirectUploadToBucket))
			r.Get("/buckets/{bucket}/objects/*", p.handle(p.downloadObject))
			r.Get("/buckets/{bucket}/object-delete", p.handle(p.confirmDeleteObject))
			r.Post("/buckets/{bucket}/object-delete", p.handle(p.deleteObject))
			r.Get("/buckets/{bucket}/presign", p.handle(p.showPresignForm))
			r.Post("/buckets/{bucket}/presign", p.handle(p.presignObject))
			// An object's preview (buckets_preview.go).
			r.Get("/buckets/{bucket}/preview", p.handle(p.previewObject))
			r.Get("/buckets/{bucket}/open", p.handle(p.openObject))
			// Several objects at once: zip, delete (buckets_selection.go).
			r.Post("/buckets/{bucket}/selection/zip", p.handle(p.zipObjects))
			r.Post("/buckets/{bucket}/selection/delete", p.handle(p.confirmDeleteObjects))
			r.Post("/buckets/{bucket}/selection/delete/confirmed", p.handle(p.deleteObjects))
			// New folder, move/rename, visibility (buckets_manage.go).
			r.Post("/buckets/{bucket}/folders", p.handle(p.createFolder))
			r.Get("/buckets/{bucket}/move", p.handle(p.showMoveForm))
			r.Post("/buckets/{bucket}/move", p.handle(p.moveObject))
			r.Post("/buckets/{bucket}/visibility", p.handle(p.changeBucketVisibility))
			// A service's S3, Onedata and WebDAV storage, read-only (services_storage.go).
			r.Get("/services/{name}/storage", p.handle(p.browseServiceStorage))
			r.Get("/services/{name}/storage/preview", p.handle(p.previewServiceFile))
			r.Get("/services/{name}/storage/file", p.handle(p.downloadServiceFile))

			// Managed volumes: list, create, a volume's page, delete (volumes.go).
			r.Get("/volumes", p.handle(p.listVolumes))
			r.Get("/volumes/new", p.handle(p.showVolumeForm))
			r.Post("/volumes/new", p.handle(p.createVolume))
			r.Get("/volumes/{name}", p.handle(p.showVolume))
			r.Get("/volumes/{name}/delete", p.handle(p.confirmDeleteVolume))
			r.Post("/volumes/{name}/delete", p.handle(p.deleteVolume))

			// Apps: the list, one form per kind, a new app's progress, stop/start/restart and delete
			// (apps.go, apps_create.go, apps_lifecycle.go).
			r.Get("/apps", p.handle(p.listApps))
			r.Get("/apps/new/{kind}", p.handle(p.showAppForm))
			r.Post("/apps/new/{kind}", p.handle(p.createApp))
			r.Get("/apps/{name}", p.handle(p.showApp))
			r.Get("/apps/{name}/state", p.handle(p.showAppState))
			r.Post("/apps/{name}/stop", p.handle(p.stopApp))
			r.Post("/apps/{name}/start", p.handle(p.startApp))
			r.Post("/apps/{name}/restart", p.handle(p.restartApp))
			r.Get("/apps/{name}/delete", p.handle(p.confirmDeleteApp))
			r.Post("/apps/{name}/delete", p.handle(p.deleteApp))

			// The cluster page (cluster.go).
			r.Get("/cluster", p.handle(p.showCluster))

			// Usage metrics: charts per period and service, CSV downloads (usage.go).
			r.Get("/usage", p.handle(p.showUsage))
			r.Get("/usage/periods.csv", p.handle(p.downloadUsage))
			r.Get("/usage/services.csv", p.handle(p.downloadServiceUsage))

			// Administration, for the user OSCAR treats as its administrator only (requireAdmin):
			// cluster status and the manager's log (admin_status.go), quotas (admin_quotas.go).
			r.Group(func(r chi.Router) {
				r.Use(p.requireAdmin)
				r.Get("/admin/status", p.handle(p.showClusterStatus))
				r.Get("/admin/logs", p.handle(p.showManagerLogs))
				r.Get("/admin/logs/download", p.handle(p.downloadManagerLogs))
				r.Get("/admin/quotas", p.handle(p.listQuotas))
				r.Get("/admin/quotas/{user}", p.handle(p.editQuota))
				r.Post("/admin/quotas/{user}", p.handle(p.confirmQuota))
				r.Post("/admin/quotas/{user}/update", p.handle(p.updateQuota))
			})

			// The OSCAR Hub: its catalogue, a crate's page, icon, images and sample inputs (hub.go);
			// deploy, deploy now, sample upload and checking a crate (hub_deploy.go). All answer 404
			// when the Hub is off.
			r.Group(func(r chi.Router) {
				r.Use(p.requireHub)
				r.Get("/hub", p.handle(p.listHub))
				r.Get("/hub/validate", p.handle(p.showCrateCheck))
				r.Get("/hub/{source}/{crate}", p.handle(p.showCrate))
				r.Get("/hub/{source}/{crate}/icon", p.handle(p.showCrateIcon))
				r.Get("/hub/{source}/{crate}/images/*", p.handle(p.showCrateImage))
				r.Get("/hub/{source}/{crate}/files/*", p.handle(p.downloadCrateFile))
				r.Get("/hub/{source}/{crate}/check", p.handle(p.checkCrate))
				r.Post("/hub/{source}/{crate}/deploy", p.handle(p.deployCrate))
				r.Post("/hub/{source}/{crate}/deploy-now", p.handle(p.deployCrateNow))
				r.Post("/hub/{source}/{crate}/samples", p.handle(p.uploadCrateSamples))
			})
		})
	})
}
