"""The ceiling for bench/serve_bench.py: a FastAPI hello-world on the same FastAPI and uvicorn."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello():
    return {"hello": "world"}
