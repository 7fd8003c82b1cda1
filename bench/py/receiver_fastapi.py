"""The receiver benchmark's Python contender on FastAPI, as the official SDK's own example
writes it: verify_webhook on the raw body, 200 {} (401 when it fails). Served by uvicorn
(bench/receiver.py starts it: one worker, no access log)."""
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agentphone import WebhookVerificationError, verify_webhook

SECRET = os.environ["BENCH_WEBHOOK_SECRET"]
app = FastAPI()


@app.post("/webhook")
async def webhook(request: Request):
    body = await request.body()
    try:
        verify_webhook(body, request.headers.get("X-Webhook-Signature", ""), secret=SECRET,
                       timestamp=request.headers.get("X-Webhook-Timestamp", ""))
    except WebhookVerificationError:
        return JSONResponse({"error": "bad signature"}, status_code=401)
    return {}
