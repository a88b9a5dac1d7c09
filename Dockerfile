# Switchboard in a container: the same install as `make install`, CPU-only torch first.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False PYTHONUNBUFFERED=1
WORKDIR /app
# The CPU build of torch (a plain `torch` would pull a multi-GB CUDA build).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml constraints.txt README.md ./
COPY api api
COPY assistant assistant
COPY knowledge knowledge
COPY ingest ingest
COPY evals evals
COPY sample_kb sample_kb
RUN pip install -c constraints.txt .
ENV SWITCHBOARD_DATA_DIR=/data
EXPOSE 8000
CMD ["switchboard", "serve", "--host", "0.0.0.0", "--port", "8000"]
