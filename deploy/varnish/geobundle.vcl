vcl 4.1;

# ----------------------------------------------------------------------
# | Varnish in front of geobundle's nginx                                |
# ----------------------------------------------------------------------
#
# Why: an edge cache close to the users keeps geobundle's static bundles
# and the API's cacheable answers, so nginx sees each file once per edge
# rather than once per user. nginx already says how long everything may be
# kept (Cache-Control, Vary: Accept-Encoding, ETag); this VCL keeps
# Varnish to it, and changes only what Varnish would otherwise get wrong:
# brotli, which Varnish's built-in gzip handling would silently turn into
# gzip. Everything not said here is Varnish's built-in VCL (which runs
# after each subroutine below that does not return).
#
# Run (Debian 12, Varnish 7.1: apt-get install varnish):
#   cp deploy/varnish/geobundle.vcl /etc/varnish/default.vcl   # edit the BACKEND block
#   systemctl restart varnish                                   # listens on :6081
# or by hand: varnishd -F -a :6081 -f "$PWD/deploy/varnish/geobundle.vcl" -s malloc,1g
# It works with Varnish's default parameters (http_gzip_support on or off).
# nginx trusts Varnish's X-Forwarded-For with `geobundle serve
# --trusted-proxy <varnish address>` (nginx/geobundle/proxy/real-ip.conf),
# so the API rate limit counts users, not this cache. Varnish does not
# terminate TLS: put a TLS terminator or the CDN in front of it.
# Tested against real varnishd: test/serve-varnish.test.ts; what a client
# gets is in nginx/README.md ("Behind a CDN").
#
# https://varnish-cache.org/docs/7.1/reference/vcl.html
# https://varnish-cache.org/docs/7.1/users-guide/vcl-built-in-code.html
# https://github.com/varnishcache/varnish-cache/blob/varnish-7.1.1/bin/varnishd/builtin.vcl

# ----------------------------------------------------------------------
# | Backend: geobundle's nginx                                           |
# ----------------------------------------------------------------------
#
# Why: nginx serves the bundles and proxies the API, over plain HTTP on a
# port only this cache reaches (`geobundle serve --host 127.0.0.1 --port
# 8080`, or the production site listening there). Tests replace the two
# values between the markers.
#
# https://varnish-cache.org/docs/7.1/reference/vcl-backend.html

# BACKEND BEGIN
backend geobundle {
  .host = "127.0.0.1";
  .port = "8080";
}
# BACKEND END

# ----------------------------------------------------------------------
# | Requests                                                             |
# ----------------------------------------------------------------------
#
# Why: /healthz is for monitors, which must see the origin, never a copy.
# Nothing of geobundle reads cookies, so a browser's cookies for the site
# must not turn every bundle into a pass (the built-in VCL passes any
# request with a Cookie). nginx picks a bundle by its path alone, so a
# query string would only split the cache (and let anyone bypass it).
# X-Cache is set by this VCL only, never taken from a client.
#
# https://varnish-cache.org/docs/7.1/users-guide/increasing-your-hitrate.html#cookies
# https://varnish-cache.org/docs/7.1/reference/vcl-var.html#req

sub vcl_recv {
  unset req.http.X-Cache;
  if (req.url ~ "^/healthz(\?|$)") {
    return (pass);
  }
  unset req.http.Cookie;
  if (req.url ~ "^/bundles/") {
    set req.url = regsub(req.url, "\?.*$", "");
  }
  call geobundle_accept_encoding;
}

# ----------------------------------------------------------------------
# | Accept-Encoding: br, gzip or none                                    |
# ----------------------------------------------------------------------
#
# Why: nginx keeps every bundle as .br and .gz and picks one by
# Accept-Encoding (br first). Clients spell that header in countless ways,
# and a cache keeps one copy per spelling, so it is reduced to the one
# encoding nginx will choose: `br` (bundles only: the API and the demo
# site compress with gzip alone), else `gzip`, else none — a token with
# q=0 is refused. Stored files fetched by name (`….gz`, `….br`,
# SHA256SUMS) are the same bytes for everyone: no encoding at all.
#
# With http_gzip_support on (Varnish's default), Varnish rewrites this
# header after vcl_recv to `gzip` or nothing, ignores Accept-Encoding when
# matching Vary, and asks the backend for gzip on every miss — so `br`
# would never reach nginx and a br copy could be served to a client that
# cannot read it. The chosen encoding is therefore also kept in
# X-Geobundle-Encoding: part of the cache key (vcl_hash) and sent to nginx
# as Accept-Encoding (vcl_backend_fetch). Each copy is then only ever
# delivered to clients of its own encoding, as nginx sent it: Varnish
# never gunzips or gzips (beresp.do_gzip and beresp.do_gunzip stay at
# their default, false).
#
# https://varnish-cache.org/docs/7.1/users-guide/compression.html
# https://varnish-cache.org/docs/7.1/reference/varnishd.html#http-gzip-support
# https://varnish-cache.org/docs/7.1/users-guide/increasing-your-hitrate.html#http-vary
# https://www.rfc-editor.org/rfc/rfc9110#section-12.5.3

sub geobundle_accept_encoding {
  if (req.url ~ "^/bundles/" && req.url !~ "\.(geojson|topojson|json)$") {
    set req.http.X-Geobundle-Encoding = "identity";
  } elsif (req.url ~ "^/bundles/" &&
      req.http.Accept-Encoding ~ "(?i)(^|,)\s*br\s*(;|,|$)" &&
      req.http.Accept-Encoding !~ "(?i)(^|,)\s*br\s*;\s*q\s*=\s*0(\.0{0,3})?\s*(,|$)") {
    set req.http.X-Geobundle-Encoding = "br";
  } elsif (req.http.Accept-Encoding ~ "(?i)(^|,)\s*gzip\s*(;|,|$)" &&
      req.http.Accept-Encoding !~ "(?i)(^|,)\s*gzip\s*;\s*q\s*=\s*0(\.0{0,3})?\s*(,|$)") {
    set req.http.X-Geobundle-Encoding = "gzip";
  } else {
    set req.http.X-Geobundle-Encoding = "identity";
  }
  if (req.http.X-Geobundle-Encoding == "identity") {
    unset req.http.Accept-Encoding;
  } else {
    set req.http.Accept-Encoding = req.http.X-Geobundle-Encoding;
  }
}

# ----------------------------------------------------------------------
# | Cache key: one copy per encoding                                     |
# ----------------------------------------------------------------------
#
# Why: see Accept-Encoding above. The built-in vcl_hash then adds the URL
# and Host as usual.
#
# https://varnish-cache.org/docs/7.1/users-guide/vcl-hashing.html

sub vcl_hash {
  hash_data(req.http.X-Geobundle-Encoding);
}

# ----------------------------------------------------------------------
# | Backend request: the chosen encoding                                 |
# ----------------------------------------------------------------------
#
# Why: on a miss Varnish has set Accept-Encoding to gzip by now (with
# http_gzip_support on); nginx must be asked for the encoding this copy
# is for. Background refreshes (grace) and revalidations come here too.
#
# https://varnish-cache.org/docs/7.1/users-guide/compression.html
# https://varnish-cache.org/docs/7.1/reference/vcl-var.html#bereq

sub vcl_backend_fetch {
  if (bereq.http.X-Geobundle-Encoding == "identity") {
    unset bereq.http.Accept-Encoding;
  } else {
    set bereq.http.Accept-Encoding = bereq.http.X-Geobundle-Encoding;
  }
  unset bereq.http.X-Geobundle-Encoding;
}

# ----------------------------------------------------------------------
# | How long a copy is kept                                              |
# ----------------------------------------------------------------------
#
# Why: a published version (`/bundles/vX.Y.Z/…`) never changes and a
# canonical path (`/bundles/content/<key>/…`) is named after its bytes,
# so both are kept for a year whatever a misconfigured origin might say.
# `/bundles/current/…` follows the current pointer: it is kept only for
# nginx's max-age, then served stale for at most its
# stale-while-revalidate while Varnish refetches in the background (both
# read from Cache-Control by Varnish itself: beresp.ttl, beresp.grace).
# An answer other than 200 under /bundles/ carries no Cache-Control and
# is not kept: a 404 for a version being published must not outlive the
# publication. The API's answers are kept as their Cache-Control allows
# (the list and current release for the current TTL, manifests and
# redirects for a year, errors and 429s not at all) by the built-in VCL.
#
# https://varnish-cache.org/docs/7.1/reference/vcl-var.html#beresp-ttl
# https://varnish-cache.org/docs/7.1/users-guide/vcl-grace.html
# https://www.rfc-editor.org/rfc/rfc8246

sub vcl_backend_response {
  if (bereq.url ~ "^/bundles/") {
    if (beresp.status != 200) {
      set beresp.ttl = 0s;
    } elsif (bereq.url ~ "^/bundles/(content/|v[0-9])") {
      set beresp.ttl = 1y;
    }
  }
}

# ----------------------------------------------------------------------
# | X-Cache: what the cache did                                          |
# ----------------------------------------------------------------------
#
# Why: for operators and the tests. HIT: a fresh copy; STALE: a copy past
# its TTL, in grace, while a background fetch refreshes it; MISS: fetched
# now (and kept if cacheable); PASS: never cached (monitors, methods
# other than GET and HEAD).
#
# https://varnish-cache.org/docs/7.1/users-guide/vcl-built-in-subs.html
# https://varnish-cache.org/docs/7.1/reference/vcl-var.html#obj-ttl

sub vcl_hit {
  if (obj.ttl > 0s) {
    set req.http.X-Cache = "HIT";
  } else {
    set req.http.X-Cache = "STALE";
  }
}

sub vcl_miss {
  set req.http.X-Cache = "MISS";
}

sub vcl_pass {
  set req.http.X-Cache = "PASS";
}

sub vcl_deliver {
  set resp.http.X-Cache = req.http.X-Cache;
}
