# profilewatch in a container: python:3.11-slim, installed as a package, run as a non-root user.
#   docker build -t profilewatch .
#   docker run --rm -v "$PWD:/data" profilewatch scan /data
#   docker run --rm -v "$PWD:/data" profilewatch scan /data --format html --output /data/report.html
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The OCR engine for scanned PDFs and images of text (never of people), once that extra lands:
# RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/profilewatch
COPY pyproject.toml README.md ./
COPY profilewatch ./profilewatch
RUN pip install ".[7z]" && rm -rf /opt/profilewatch/build

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin profilewatch
USER profilewatch
WORKDIR /data

ENTRYPOINT ["profilewatch"]
CMD ["--help"]
