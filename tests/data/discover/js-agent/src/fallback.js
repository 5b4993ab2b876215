const fetch = require("node-fetch");

const ENDPOINT = `https://api.anthropic.com/v1/messages`;

async function fallback(prompt) {
  const res = await fetch(ENDPOINT, { method: "POST", body: JSON.stringify({ prompt }) });
  return res.json();
}

module.exports = { fallback };
