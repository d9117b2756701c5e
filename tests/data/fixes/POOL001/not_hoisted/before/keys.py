from fastapi import FastAPI, Header
from openai import AsyncOpenAI

app = FastAPI()


@app.post("/ask")
async def ask(question: str, x_api_key: str = Header()) -> str:
    llm = AsyncOpenAI(api_key=x_api_key)
    reply = await llm.responses.create(model="gpt-4o-mini", input=question)
    return reply.output_text
