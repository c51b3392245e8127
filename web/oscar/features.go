package oscar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// FeaturesTTL is how long Features answers are cached.
const FeaturesTTL = time.Minute

// maxFeaturesEntries bounds the Features cache.
const maxFeaturesEntries = 4096

// Features are what a cluster offers, discovered from /system/info and
// /system/config. They hold no secrets (the MinIO credentials of
// /system/config are dropped), so they are safe to cache and show.
type Features struct {
	// Version is OSCAR's version, e.g. "v4.1.2".
	Version string
	// Run reports that POST /run exists (a serverless backend is set).
	Run bool
	// ServerlessBackend names it ("knative"), if any.
	ServerlessBackend string
	// GPU reports that the cluster has GPUs.
	GPU bool
	// InterLink reports that InterLink virtual nodes are available.
	InterLink bool
	// Kueue reports that Kueue admission queues are on.
	Kueue bool
	// Volumes reports that managed volumes are on.
	Volumes bool
	// Yunikorn reports that Apache YuniKorn is on (total_cpu, total_memory).
	Yunikorn bool
	// MinIOQuota reports that per-user MinIO quotas are on.
	MinIOQuota bool
	// VOs are the cluster's OIDC groups (VOs), without OSCAR's "" entry.
	VOs []string
	// AllowedImageRepositories are the image prefixes OSCAR accepts, if set.
	AllowedImageRepositories []string
}

type featuresEntry struct {
	f       Features
	expires time.Time
}

// Features returns what the cluster at ep offers. Answers are cached per
// endpoint and credential identity for FeaturesTTL.
func (c *Client) Features(ctx context.Context, ep Endpoint, cr Creds) (Features, error) {
	key := string(ep) + "\x00" + cr.identity()
	now := c.now()
	c.mu.Lock()
	e, ok := c.features[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.f.clone(), nil
	}

	info, err := c.Info(ctx, ep, cr)
	if err != nil {
		return Features{}, err
	}
	cfg, err := c.Config(ctx, ep, cr)
	if err != nil {
		return Features{}, err
	}
	f := featuresOf(info, cfg)
	c.storeFeatures(key, f, now)
	return f.clone(), nil
}

// RememberFeatures caches the features that info and cfg describe, as Features would, for a page
// that read /system/info and /system/config itself (the cluster page).
func (c *Client) RememberFeatures(ep Endpoint, cr Creds, info *Info, cfg *ConfigForUser) {
	if info == nil || cfg == nil {
		return
	}
	c.storeFeatures(string(ep)+"\x00"+cr.identity(), featuresOf(info, cfg), c.now())
}

// KnownFeatures returns the last features cached for ep and cr, even expired ones, without calling
// OSCAR; ok is false when none were ever read. The header uses it to show what the cluster offers
// without a call on every page.
func (c *Client) KnownFeatures(ep Endpoint, cr Creds) (f Features, ok bool) {
	if c == nil {
		return Features{}, false
	}
	key := string(ep) + "\x00" + cr.identity()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.features[key]
	if !ok {
		return Features{}, false
	}
	return e.f.clone(), true
}

// featuresOf reads the features out of /system/info and /system/config.
func featuresOf(info *Info, cfg *ConfigForUser) Features {
	f := Features{
		Version:                  info.Version,
		ServerlessBackend:        cfg.Config.ServerlessBackend,
		Run:                      cfg.Config.ServerlessBackend != "",
		GPU:                      cfg.Config.GPUAvailable,
		InterLink:                cfg.Config.InterLinkAvailable,
		Kueue:                    cfg.Config.KueueEnable,
		Volumes:                  cfg.Config.VolumeEnable,
		Yunikorn:                 cfg.Config.YunikornEnable,
		MinIOQuota:               cfg.Config.MinIOQuotaEnabled,
		AllowedImageRepositories: append([]string(nil), cfg.AllowedImageRepositories...),
	}
	for _, g := range cfg.Config.OIDCGroups {
		if g != "" {
			f.VOs = append(f.VOs, g)
		}
	}
	return f
}

// storeFeatures caches f under key until FeaturesTTL from now, bounding the cache.
func (c *Client) storeFeatures(key string, f Features, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.features) >= maxFeaturesEntries {
		for k, v := range c.features {
			if !now.Before(v.expires) {
				delete(c.features, k)
			}
		}
		if len(c.features) >= maxFeaturesEntries {
			clear(c.features)
		}
	}
	c.features[key] = featuresEntry{f: f.clone(), expires: now.Add(FeaturesTTL)}
}

// clone copies the slices so callers cannot change the cached value.
func (f Features) clone() Features {
	f.VOs = append([]string(nil), f.VOs...)
	f.AllowedImageRepositories = append([]string(nil), f.AllowedImageRepositories...)
	return f
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
