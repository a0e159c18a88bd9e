# The application image: web (gunicorn), Celery worker and Celery beat all run it (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/app/var
WORKDIR /app
# Every package is checked against the hash in the lock (scripts/lock regenerates it).
COPY requirements.txt .
RUN pip install --require-hashes --no-deps -r requirements.txt
# .dockerignore keeps .env (secrets), .git, virtualenvs and local data out of the image.
COPY . .
RUN DJANGO_ENV=development python manage.py compile_translations -v 0 \
    && DJANGO_ENV=development python manage.py collectstatic --no-input -v 0 \
    && useradd --create-home --uid 10001 app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
