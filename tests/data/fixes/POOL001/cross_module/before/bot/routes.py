import httpx
from fastapi import APIRouter

from .llm import MODEL, make_llm

router = APIRouter()
TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@router.post("/ask")
async def ask(question: str) -> str:
    llm = make_llm()
    reply = await llm.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""


@router.get("/status")
async def status() -> int:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:  # the status page
        return (await client.get("https://status.example.com")).status_code
