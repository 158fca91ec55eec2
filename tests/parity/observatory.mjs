// The MDN HTTP Observatory's own tests and grader, run on responses preflight fetched.
//
// Its CLI takes host names only and its API refuses IP addresses, so this script builds the
// `Requests` object its retriever would have built (the page's headers, body, cookie jar,
// <meta> http-equiv values and the http redirect chain) and calls ALL_TESTS and the grader
// exactly as src/scanner/index.js does. Usage:
//   OBSERVATORY_DIR=/path/with/node_modules node observatory.mjs < cases.json > results.json
// Input: [{url, status, headers: [[name, value]...], body, verified, http: null | {verified, route: [{url, status}]}}]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const dir = process.env.OBSERVATORY_DIR;
const src = `${dir}/node_modules/@mdn/mdn-http-observatory/src`;
const load = (path) => import(pathToFileURL(`${src}/${path}`).href);
const { ALL_TESTS } = await load("constants.js");
const { MINIMUM_SCORE_FOR_EXTRA_CREDIT } = await load("grader/charts.js");
const { getGradeForScore, getScoreModifier } = await load("grader/grader.js");
const { Requests } = await load("types.js");
const { parseHttpEquivHeaders } = await load("retriever/utils.js");
const require = createRequire(`${src}/index.js`);
const { CookieJar } = require("tough-cookie");
const { AxiosHeaders } = require("axios");

const HTML = new Set(["text/html", "application/xhtml+xml"]);
const ORIGIN = "https://preflight-probe.example";

function grade(one) {
  const url = new URL(one.url);
  const plain = {};
  for (const [name, value] of one.headers) {
    const key = name.toLowerCase();
    if (key === "set-cookie") (plain[key] ??= []).push(value);
    else plain[key] = key in plain ? `${plain[key]}, ${value}` : value;
  }
  const headers = new AxiosHeaders(plain);  // what axios hands the retriever
  const jar = new CookieJar();
  for (const cookie of plain["set-cookie"] ?? []) {
    try { jar.setCookieSync(cookie, url.href); } catch { /* the jar refuses it, as the Observatory's does */ }
  }
  const auto = { headers, status: one.status, data: one.body, verified: one.verified };
  const type = (plain["content-type"] ?? "").split(";")[0];
  auto.httpEquiv = HTML.has(type) && one.body ? parseHttpEquivHeaders(one.body, url.href) : new Map();
  const requests = new Requests(url.hostname);
  requests.resources.path = one.body;
  requests.responses.auto = auto;
  requests.responses.https = url.protocol === "https:" ? auto : null;
  requests.responses.cors = { headers, request: { headers: { origin: ORIGIN } } };
  const route = (one.http?.route ?? []).map((r) => ({ url: new URL(r.url), status: r.status }));
  requests.responses.http = one.http ? { status: route[0]?.status ?? one.status, verified: one.http.verified } : null;
  requests.responses.httpRedirects = route;
  requests.responses.httpsRedirects = [];
  requests.session = { url, jar, redirectHistory: route };

  let withCredit = 100, uncurved = 100;
  const tests = {};
  for (const test of ALL_TESTS) {
    const output = test(requests);
    const modifier = getScoreModifier(output.result);
    tests[output.constructor.name] = { result: output.result, modifier, pass: output.pass };
    withCredit += modifier;
    if (modifier < 0) uncurved += modifier;
  }
  const score = uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? withCredit : uncurved;
  const final = getGradeForScore(score);
  return { score: final.score, grade: final.grade, tests };
}

const cases = JSON.parse(readFileSync(0, "utf-8"));
process.stdout.write(JSON.stringify(cases.map(grade)));
