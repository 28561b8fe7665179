# Production image: gunicorn serving the app; the database is a separate PostGIS (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    IMPORT_UPLOAD_FOLDER=/srv/uploads \
    JOB_RESULT_FOLDER=/srv/job-results \
    PHOTO_FOLDER=/srv/photos

# The geopandas/pyogrio/pyproj/shapely/psycopg2-binary wheels bundle their native libraries (GDAL, GEOS,
# PROJ, libpq); only fonts for Chinese text in rendered maps and reports come from Debian.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/minqing

# Requirements first, so that code changes do not invalidate the (slow) dependency layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY app/ app/
COPY migrations/ migrations/
COPY geodata/ geodata/
COPY deploy/gunicorn.conf.py deploy/gunicorn.conf.py
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

# /srv/uploads holds uploads waiting to be imported (a volume the worker shares), /srv/job-results the files
# finished jobs made (written by the worker, streamed by the app) and /srv/photos the photos of visits and
# demands (a volume of the app's alone; nginx never serves it): the only places the app writes. Each is made
# here for the app's user, so a named volume mounted on it starts with that owner (an absent one is root's).
RUN useradd --system --uid 10001 --user-group --home-dir /srv/minqing --no-create-home minqing \
    && install -d -o minqing -g minqing /srv/uploads /srv/job-results /srv/photos
USER minqing

# gunicorn's workers, threads and keep-alive were chosen by measurement behind nginx (deploy/gunicorn.conf.py);
# WEB_CONCURRENCY and GUNICORN_THREADS override them. Behind nginx set PROXY_HOPS=1 (docker-compose.yml).
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
