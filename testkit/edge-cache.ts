/**
 * A CDN edge for the serving tests and the transfer benchmark: a second
 * nginx with proxy_cache in front of an origin.
 */
import { PID_FILE } from '../nginx/render-config.ts';
import { findNginx } from '../serve/nginx-binary.ts';
import { freePort, runNginx, type RunningNginx } from '../serve/run-nginx.ts';

/**
 * A second nginx acting as a CDN edge: proxy_cache in front of `origin`,
 * caching by the origin's Cache-Control (and Vary), reporting HIT/MISS/EXPIRED
 * in X-Cache-Status.
 */
export async function startEdgeCache(origin: string): Promise<{ url: string; stop(): Promise<void> }> {
  const nginx = await findNginx();
  if (!nginx) throw new Error('nginx is not installed');
  const port = await freePort();
  const originUrl = new URL(origin);
  const running: RunningNginx = await runNginx({
    binary: nginx.path,
    host: '127.0.0.1',
    port,
    render: (prefix) => `
daemon off;
worker_processes 1;
pid ${prefix}/${PID_FILE};
error_log ${prefix}/logs/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/temp/client_body;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=edge:1m max_size=100m inactive=1h;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${originUrl.host};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache edge;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`,
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => running.stop() };
}
