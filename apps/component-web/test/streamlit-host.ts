import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny page that plays the Streamlit host: it embeds the component frame in an iframe exactly
 * as Streamlit does (same sandbox flags, `?streamlitUrl=` on the src), answers
 * `streamlit:componentReady` with `streamlit:render` messages, and records every message the
 * frame sends (`componentReady`, `setComponentValue`, `setFrameHeight`) with a timestamp.
 * It is served from `http://127.0.0.1:<port>` while component-web is on `http://localhost:<port>`,
 * so host and frame are different sites, as Streamlit and component-web usually are.
 */

export const STREAMLIT_SANDBOX =
  'allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-downloads';

export const STREAMLIT_ALLOW =
  'accelerometer; ambient-light-sensor; autoplay; battery; camera; clipboard-write; document-domain; encrypted-media; fullscreen; geolocation; gyroscope; layout-animations; legacy-image-formats; magnetometer; microphone; midi; oversized-images; payment; picture-in-picture; publickey-credentials-get; sync-xhr; usb; vr ; wake-lock; xr-spatial-tracking';

export interface HostRecord {
  t: number;
  type: string;
  value?: unknown;
  dataType?: string;
  height?: number;
  apiVersion?: number;
}

function hostHtml(frameUrl: string): string {
  const frameOrigin = frameUrl.startsWith('http') ? new URL(frameUrl).origin : '*';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Streamlit host (test)</title></head>
<body style="margin:0;padding:16px;font-family:sans-serif">
<h1 style="font-size:16px">Streamlit host stand-in</h1>
<iframe id="frame" title="component" width="700" height="10" style="border:0;display:block"
  allow="${STREAMLIT_ALLOW}" sandbox="${STREAMLIT_SANDBOX}"></iframe>
<script>
(function () {
  var FRAME_ORIGIN = ${JSON.stringify(frameOrigin)};
  var frame = document.getElementById('frame');
  var log = (window.__hostLog = []);
  var current = null; // last render sent: { args, theme }
  function send(render) {
    frame.contentWindow.postMessage(
      { isStreamlitMessage: true, type: 'streamlit:render', args: render.args, dfs: [], disabled: false, theme: render.theme },
      FRAME_ORIGIN
    );
  }
  window.addEventListener('message', function (e) {
    if (e.source !== frame.contentWindow || e.origin !== FRAME_ORIGIN) return;
    var d = e.data;
    if (!d || d.isStreamlitMessage !== true) return;
    var rec = { t: Date.now(), type: d.type };
    if (d.type === 'streamlit:setComponentValue') { rec.value = d.value; rec.dataType = d.dataType; }
    if (d.type === 'streamlit:setFrameHeight') { rec.height = d.height; frame.height = String(d.height); }
    if (d.type === 'streamlit:componentReady') { rec.apiVersion = d.apiVersion; if (current) send(current); }
    log.push(rec);
  });
  // Like Streamlit: every rerun sends the args again; the first one waits for componentReady.
  window.__render = function (args, theme) {
    current = { args: args, theme: theme };
    if (log.some(function (r) { return r.type === 'streamlit:componentReady'; })) send(current);
  };
  window.__frameWindow = function () { return frame.contentWindow; };
  frame.src = ${JSON.stringify(frameUrl)} + '?streamlitUrl=' + encodeURIComponent(location.href);
})();
</script>
</body></html>`;
}

export class StreamlitHostStandIn {
  /** The frame to embed, e.g. `http://localhost:<port>/streamlit` (set once component-web runs). */
  frameUrl = 'about:blank';

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<StreamlitHostStandIn> {
    const holder: { self?: StreamlitHostStandIn } = {};
    const server = createServer((req, res) => {
      const self = holder.self;
      if (self && (req.url === '/' || req.url?.startsWith('/?'))) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(hostHtml(self.frameUrl));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.self = new StreamlitHostStandIn(server, `http://127.0.0.1:${port}`);
    return holder.self;
  }

  get origin(): string {
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
