"""The bot's app."""

from fastapi import FastAPI

from .routes import router

app = FastAPI(title="bot")
app.include_router(router)
