FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
# A plain (not editable) install from the lock: the bank ships inside the package.
RUN pip install --no-cache-dir -c requirements.lock . && rm -rf /app/bot && useradd --uid 10001 quizbot \
    && mkdir /data && chown quizbot /data
USER quizbot
WORKDIR /data
ENV QUIZBOT_DB=/data/quizbot.sqlite3
VOLUME ["/data"]
# Slack's HTTP mode listens here (QUIZBOT_SLACK_PORT); Socket Mode and Discord need no inbound port.
EXPOSE 3000
# Healthy while this container's bot holds its platform's lease in the database and renews it (bot/lease.py).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["quizbot", "health", "--local"]
CMD ["quizbot", "run"]
