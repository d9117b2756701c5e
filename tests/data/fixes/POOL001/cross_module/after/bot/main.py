"""The bot's app."""

from fastapi import FastAPI

from .routes import router
from bot.llm import make_llm
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import httpx


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # pooltune: the app's clients live as long as the app (POOL001)
    app.state.llm = make_llm()
    from bot.routes import TIMEOUT
    app.state.http = httpx.AsyncClient(timeout=TIMEOUT)
    yield
    await app.state.http.aclose()
    await app.state.llm.close()


app = FastAPI(title="bot", lifespan=lifespan)
app.include_router(router)
