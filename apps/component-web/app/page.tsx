import { FRAME_PATH } from '../lib/shared/routes';

export const dynamic = 'force-dynamic';

export default function Home() {
  return (
    <main className="page">
      <h1>Auth bus component</h1>
      <p>
        This is the frontend of the Streamlit login component. Streamlit shows <code>{FRAME_PATH}</code> in an
        iframe; the login window is opened from there.
      </p>
    </main>
  );
}
