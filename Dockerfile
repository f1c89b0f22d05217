# lmrec service image (CPU). Build: docker build -t lmrec-serve .
# Run:  docker run --rm -p 127.0.0.1:8000:8000 -v "$PWD/registry:/srv/registry:ro" \
#         -v "$PWD/var:/srv/var" -e LMREC_SERVE_KEY -e LMREC_ADMIN_KEY lmrec-serve
# /srv/serve.yaml must name registry: /srv/registry and events_db: /srv/var/events.db
# (mount your own with -v "$PWD/serve.yaml:/srv/serve.yaml:ro"). See docs/serving.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# torch first, pinned and CPU-only: otherwise a multi-GB CUDA build is pulled in
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install '.[lm,serve]'

RUN useradd --create-home --uid 10001 lmrec \
 && mkdir -p /srv/registry /srv/var \
 && printf 'registry: /srv/registry\nmodel: ml100k-als\nevents_db: /srv/var/events.db\nhost: 0.0.0.0\nport: 8000\n' > /srv/serve.yaml \
 && chown -R lmrec /srv/var
USER lmrec
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["lmrec", "serve", "--config", "/srv/serve.yaml"]
