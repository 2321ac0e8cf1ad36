#!/usr/bin/env python3
# A twenty-line mailroom agent: an OpenAI-compatible chat API (MODEL_BASE_URL, MODEL_NAME; key in
# the secret MODEL_API_KEY), the message on stdin, the reply into outbox/, a usage line on stdout.
import json, os, re, sys, urllib.request
text = sys.stdin.read()
head, body = text.split("\n---\n", 1)
fm = dict(re.findall(r"^(\w+): (.*)$", head, re.M))
if fm["from"] == "mailroom": sys.exit(0)  # bounces and alerts stay in done/ for people
req = urllib.request.Request(os.environ["MODEL_BASE_URL"] + "/chat/completions", method="POST",
    headers={"content-type": "application/json", "authorization": "Bearer " + os.environ.get("MODEL_API_KEY", "")},
    data=json.dumps({"model": os.environ["MODEL_NAME"], "messages": [{"role": "user", "content": body}]}).encode())
try: answer = json.load(urllib.request.urlopen(req, timeout=60))
except urllib.error.HTTPError as e:
    sys.stderr.write(f"HTTP {e.code}: {e.read()[:300]!r}\nretry-after: {e.headers.get('retry-after') or 30}\n")
    sys.exit(75 if e.code in (429, 503, 529) else 1 if e.code >= 500 else 78)
with open(f"outbox/.reply-{fm['id']}", "w") as f:
    f.write(f"---\nto: {fm['from']}\nreply_to: {fm['id']}\n---\n{answer['choices'][0]['message']['content']}\n")
os.rename(f"outbox/.reply-{fm['id']}", f"outbox/reply-{fm['id']}.md")
print(json.dumps({"usage": {"input_tokens": answer["usage"]["prompt_tokens"], "output_tokens": answer["usage"]["completion_tokens"]}}))
