FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY questions ./questions
RUN pip install --no-cache-dir -e . && useradd --uid 10001 quizbot && mkdir /data && chown quizbot /data
USER quizbot
ENV QUIZBOT_DB=/data/quizbot.sqlite3
VOLUME ["/data"]
CMD ["quizbot", "run"]
