from fastapi import FastAPI
from openai import AsyncOpenAI

app = FastAPI()


async def make_llm() -> AsyncOpenAI:
    return AsyncOpenAI(api_key="x")


@app.get("/a")
async def a() -> str:
    llm = await make_llm()
    return str(await llm.models.list())
