// Reads the backend's address the build wrote into the page.
const api = document.querySelector('meta[name="sophia-api-url"]')?.getAttribute('content');
document.body.dataset.api = api ?? '';
