// The Sophia AI backend API. GET /healthz is what the readiness probe and the pipeline's health
// gate read (through the API's public URL): 200 with "status":"ok" once the API can serve.
import http from 'node:http';

const port = Number(process.env.PORT ?? 8000);

http
  .createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify({ status: 'ok' })}\n`);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(`${JSON.stringify({ error: 'not found' })}\n`);
  })
  .listen(port, () => console.log(`chat-api listening on :${port}`));
