import { frameSourceCheckAnswer } from './frame-source-check';

const STREAMLIT = ['http://localhost:8888', 'http://127.0.0.1:8888'];
const request = (url: string, headers: Record<string, string>, method = 'GET') => new Request(url, { method, headers });
const streamlitFetch = { origin: 'http://localhost:8888', 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-site' };

describe('frameSourceCheckAnswer', () => {
  it("answers Streamlit's check fetch of the frame with an empty 204 its origin may read", () => {
    const answer = frameSourceCheckAnswer(request('http://localhost:3001/streamlit?streamlitUrl=x', streamlitFetch), STREAMLIT);
    expect(answer?.status).toBe(204);
    expect(answer?.headers.get('access-control-allow-origin')).toBe('http://localhost:8888');
    expect(answer?.headers.get('vary')).toBe('Origin');
    expect(answer?.body).toBeNull();
  });

  it('leaves everything else to the page: the iframe, other origins, other paths and methods, no Fetch Metadata', () => {
    const url = 'http://localhost:3001/streamlit';
    expect(frameSourceCheckAnswer(request(url, { ...streamlitFetch, 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' }), STREAMLIT)).toBeNull();
    expect(frameSourceCheckAnswer(request(url, { ...streamlitFetch, origin: 'https://evil.example' }), STREAMLIT)).toBeNull();
    expect(frameSourceCheckAnswer(request(url, { ...streamlitFetch, origin: 'http://localhost:8888' }), ['http://localhost:*'])).toBeNull();
    expect(frameSourceCheckAnswer(request('http://localhost:3001/api/session/refresh', streamlitFetch), STREAMLIT)).toBeNull();
    expect(frameSourceCheckAnswer(request(url, streamlitFetch, 'POST'), STREAMLIT)).toBeNull();
    expect(frameSourceCheckAnswer(request(url, { origin: 'http://localhost:8888' }), STREAMLIT)).toBeNull();
  });
});
