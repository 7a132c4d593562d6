/**
 * The documented production site file (nginx/sites/geobundle.conf.example,
 * printed by `geobundle nginx-config`): the server the tests run, rendered
 * for a typical Debian host with serve's defaults.
 */
import { renderSite } from '../nginx/render-config.ts';
import { nginxValues, withDefaults } from './options.ts';

/** A Debian host: the directories under /srv, a Let's Encrypt certificate, the brotli module installed. */
const PRODUCTION = withDefaults({
  releasesDir: '/srv/geobundle/releases',
  siteRoot: '/srv/geobundle/site',
  tls: {
    certificate: '/etc/letsencrypt/live/geobundle.example.org/fullchain.pem',
    key: '/etc/letsencrypt/live/geobundle.example.org/privkey.pem',
  },
});

export function productionSite(): string {
  const header = `# geobundle production site for Debian's nginx (printed by \`geobundle nginx-config\`:
#   geobundle nginx-config > nginx/sites/geobundle.conf.example).
#
# Install:
#   apt-get install nginx-light libnginx-mod-http-brotli-static   # the module is loaded by modules-enabled/
#   cp -r nginx/geobundle /etc/nginx/geobundle                      # the include files, one concern each
#   cp nginx/sites/geobundle.conf.example /etc/nginx/sites-available/geobundle.conf
#   # edit server_name, certificate paths and the directories below, then:
#   ln -s ../sites-available/geobundle.conf /etc/nginx/sites-enabled/ && nginx -t && systemctl reload nginx
#
# The API runs beside nginx as its own service (e.g. a systemd unit running
#   geobundle serve --api-only --releases ${PRODUCTION.releasesDir} --api-port ${PRODUCTION.apiPort}
# as an unprivileged user). Releases are built into /srv/geobundle/releases by
# build-release and published with set-current; nginx needs no reload for either.
# www-data needs read access to the releases and site directories.
#
# Behind a CDN or Varnish (deploy/varnish/), nginx listens on a plain port the
# edge reaches, and the server block trusts the edge's X-Forwarded-For so the
# API rate limit counts users, not edges (nginx/README.md, "Behind a CDN"):
#   set_real_ip_from 127.0.0.1;   # one line per edge address or CIDR range
#   include geobundle/proxy/real-ip.conf;
#
# Plain HTTP should only redirect:
#   server { listen 80; listen [::]:80; server_name geobundle.example.org; return 301 https://$host$request_uri; }
#
# Everything below is rendered; what it sets is this host's values, every
# concern is in geobundle/ (geobundle/basic.conf combines them).

`;
  return (
    header +
    renderSite({
      ...nginxValues(PRODUCTION, { serverName: 'geobundle.example.org', listen: '443 ssl http2' }),
      brotli: true,
      apiCacheDir: '/var/lib/nginx/geobundle-api',
    })
  );
}
