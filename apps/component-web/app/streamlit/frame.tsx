'use client';

import { useEffect, useLayoutEffect, useRef, useState, type MouseEvent } from 'react';
// Only the Streamlit object (not the library's React HOC): one React in the bundle.
import { Streamlit, type RenderData } from 'streamlit-component-lib/dist/streamlit';
import { FrameController, type FrameState, type FrameUrls } from '../../lib/frame/controller';
import { formatRemaining } from '../../lib/frame/format';
import type { WebSocketLike } from '../../lib/frame/relay';
import { browserStore, memoryStore, type SessionStore } from '../../lib/frame/session-store';
import type { ChannelLike } from '../../lib/frame/tab-sync';

interface FrameProps {
  urls: Omit<FrameUrls, 'popupFeatures'>;
  popupSize: { width: number; height: number };
}

/** A store that opens localforage lazily, so the Streamlit handshake does not wait for it. */
function lazyStore(): SessionStore {
  const ready = browserStore().catch(() => memoryStore());
  return {
    load: () => ready.then((s) => s.load()),
    save: (session) => ready.then((s) => s.save(session)),
    clear: () => ready.then((s) => s.clear()),
  };
}

function popupFeatures({ width, height }: { width: number; height: number }): string {
  const top = window.screen ? Math.max(0, (window.screen.height - height) / 2) : 0;
  const left = window.screen ? Math.max(0, (window.screen.width - width) / 2) : 0;
  return `popup=yes,width=${width},height=${height},left=${Math.round(left)},top=${Math.round(top)}`;
}

const RELAY_TEXT: Record<FrameState['relay'], string> = {
  idle: 'relay: not configured',
  connecting: 'relay: connecting…',
  open: 'relay: connected',
  offline: 'relay: offline',
};

export function Frame({ urls, popupSize }: FrameProps) {
  const controllerRef = useRef<FrameController | null>(null);
  const [state, setState] = useState<FrameState | null>(null);
  const [theme, setTheme] = useState<'light' | 'dark'>('light');
  const [now, setNow] = useState(() => Date.now());
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const controller = new FrameController(
      {
        setComponentValue: (value) => Streamlit.setComponentValue(value),
        store: lazyStore(),
        createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
        fetch: (input, init) => window.fetch(input, init),
        openWindow: (url, name, features) => window.open(url, name, features),
        origin: window.location.origin,
        // Keeps this browser's other tabs of the app in step (lib/frame/tab-sync.ts).
        createChannel: (name) => (typeof BroadcastChannel === 'undefined' ? null : (new BroadcastChannel(name) as unknown as ChannelLike)),
      },
      { ...urls, popupFeatures: popupFeatures(popupSize) },
    );
    controllerRef.current = controller;
    setState(controller.state);
    const unsubscribe = controller.subscribe(setState);

    // Streamlit's library accepts a render message from any window; only the parent (the
    // Streamlit page) may send one. This capture listener runs first and stops the others.
    const guardRender = (event: MessageEvent) => {
      const data = event.data as { type?: unknown } | null;
      if (data && typeof data === 'object' && data.type === Streamlit.RENDER_EVENT && event.source !== window.parent) {
        event.stopImmediatePropagation();
      }
    };
    const onMessage = (event: MessageEvent) => {
      controller.onWindowMessage({ origin: event.origin, data: event.data });
    };
    const onRender = (event: Event) => {
      const detail = (event as CustomEvent<RenderData>).detail;
      setTheme(detail.theme?.base === 'dark' ? 'dark' : 'light');
      void controller.onRender(detail.args);
    };
    window.addEventListener('message', guardRender, true);
    window.addEventListener('message', onMessage);
    Streamlit.events.addEventListener(Streamlit.RENDER_EVENT, onRender);
    Streamlit.setComponentReady();
    return () => {
      Streamlit.events.removeEventListener(Streamlit.RENDER_EVENT, onRender);
      window.removeEventListener('message', onMessage);
      window.removeEventListener('message', guardRender, true);
      unsubscribe();
      controller.dispose();
      controllerRef.current = null;
    };
    // (urls and popupSize are fixed for the page's life: set up once)
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // the validity countdown
  const expiry = state?.session?.token.expiry;
  useEffect(() => {
    if (!expiry) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [expiry]);

  // the frame's height follows its content (or the host's fixed `height`)
  const fixedHeight = state?.args.height ?? null;
  const mounted = state !== null;
  useLayoutEffect(() => {
    if (!mounted) return; // after componentReady
    const report = () => Streamlit.setFrameHeight(fixedHeight ?? Math.ceil(rootRef.current?.getBoundingClientRect().height ?? 0) + 4);
    report();
    if (fixedHeight || !rootRef.current || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(report);
    observer.observe(rootRef.current);
    return () => observer.disconnect();
  }, [fixedHeight, mounted, state?.ready]);

  const controller = controllerRef.current;
  const session = state?.session ?? null;
  const remaining = expiry ? expiry - Math.floor(now / 1000) : 0;
  const name = session ? (session.user.name ?? session.user.email ?? session.user.sub ?? 'Logged in') : null;
  const busyText = state?.busy === 'login' ? 'Waiting for the login window…' : state?.busy === 'refresh' ? 'Refreshing…' : null;

  const onLink = (event: MouseEvent<HTMLAnchorElement>, href: string) => {
    if (controller?.openFromLink(href)) event.preventDefault();
  };

  return (
    <div className="frame" ref={rootRef} data-ready={state?.ready ? 'true' : 'false'}>
      <div className="bar" role="toolbar" aria-label="Login">
        {/* The host app's name (APP_HOSTNAME), shown as the article's component did. */}
        {state?.args.hostname && (
          <span className="host" data-testid="hostname">
            {state.args.hostname}
          </span>
        )}
        <span className="relay" data-testid="relay" data-state={state?.relay ?? 'idle'} title={RELAY_TEXT[state?.relay ?? 'idle']}>
          <span className="dot" aria-hidden="true" />
          {RELAY_TEXT[state?.relay ?? 'idle']}
        </span>
        {name ? (
          <span className="user" data-testid="user">
            {name}
          </span>
        ) : (
          <span className="user anon" data-testid="user">
            Not logged in
          </span>
        )}
        {session && (
          <span className="validity" data-testid="validity" title="How long the login is valid">
            valid {formatRemaining(remaining)}
          </span>
        )}
        {busyText && <span className="validity">{busyText}</span>}
        <span className="spacer" />
        {state?.args.actions.map((action) => (
          <button
            key={action.id}
            type="button"
            data-action={action.id}
            disabled={!state.ready}
            onClick={() => controller?.runAction(action)}
          >
            {action.label ?? action.id}
          </button>
        ))}
        {session ? (
          <button type="button" onClick={() => controller?.logout()}>
            Log out
          </button>
        ) : (
          <button type="button" className="primary" disabled={!state?.ready} onClick={() => controller?.login()}>
            Log in
          </button>
        )}
      </div>
      {state?.notice && (
        <p className={`notice ${state.notice.kind}`} data-testid="notice" role={state.notice.kind === 'error' ? 'alert' : 'status'}>
          {state.notice.text}
          {state.notice.link && (
            <a
              href={state.notice.link.href}
              target={urls.popupName}
              rel="opener"
              onClick={(event) => onLink(event, state.notice!.link!.href)}
            >
              {state.notice.link.label}
            </a>
          )}
        </p>
      )}
      {state?.lastAction && (
        <p className={`result${state.lastAction.ok ? '' : ' fail'}`} data-testid="action-result">
          {state.lastAction.label ?? state.lastAction.id}: {state.lastAction.status} {state.lastAction.summary}
        </p>
      )}
    </div>
  );
}
