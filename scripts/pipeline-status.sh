#!/usr/bin/env bash
# Prints the state of a data directory: per stage, how many papers are done, pending and failed
# (from papers.db: tables papers and stage_status, for each paper's current version), when the
# whole-corpus stages last ran, the last pipeline run, the disk used by each folder, and the
# projection of the disk the category needs: bytes per paper in the current mode (measured on
# this data directory; the documented per-paper sizes where nothing is measured yet) times the
# papers known.
# Usage: scripts/pipeline-status.sh [DATA_DIR]    (also: make -f Makefile.pipeline status)
# Env: SMALL_DISK, COMPRESS_TEXT (the mode, 0/1, as Makefile.pipeline's); CATEGORY_PAPERS (the
# category's size when papers.db does not hold all of it yet, e.g. 150000).
# Reads only; safe while a run is in progress (SQLite WAL readers do not block the writer).
set -euo pipefail

data_dir=${1:-${ASP_DATA_DIR:-data}}
db="$data_dir/papers.db"

if [ ! -d "$data_dir" ]; then
  echo "status: no data directory at $data_dir (run the pipeline first)" >&2
  exit 1
fi
command -v sqlite3 >/dev/null || { echo "status: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 1; }

q() { sqlite3 -readonly -batch -noheader "$1" "$2"; }

# The newest file under a folder: "EPOCH PATH" ("" when there is none).
newest_file() {
  [ -d "$1" ] || return 0
  find "$1" -type f ! -name '.*' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1
}

iso_time() { date -u -d "@${1%.*}" +%Y-%m-%dT%H:%M:%SZ; }

count_files() {
  [ -d "$1" ] || { echo 0; return; }
  find "$1" -maxdepth 1 -type f \( -name "*.$2" ${3:+-o -name "*.$3"} \) ! -name '.*' | wc -l
}

# Bytes of the files under $1 matching the find expression $2.. ("" when none).
bytes_of() {
  local dir=$1; shift
  [ -d "$dir" ] || return 0
  find "$dir" -maxdepth 1 -type f ! -name '.*' "$@" -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

on() { case ${1:-0} in 0|no|false|'') return 1 ;; *) return 0 ;; esac; }
human() { numfmt --to=iec --suffix=B --format='%.1f' "$1"; }

echo "data directory: $data_dir"
# A run in progress holds a flock on the lock file. Look it up in /proc/locks rather than
# trying the lock: a probe holding it even for a moment would turn away a run starting then.
if [ -f "$data_dir/.pipeline.lock" ] &&
   grep -q ":$(stat -c %i "$data_dir/.pipeline.lock") " /proc/locks 2>/dev/null; then
  echo "pipeline: a run is in progress now"
fi
if [ -f "$data_dir/logs/last-run" ]; then
  read -r stamp result stages < "$data_dir/logs/last-run" || true
  echo "last run: $stamp $result ($stages)"
fi

if [ ! -f "$db" ]; then
  echo "papers.db: absent (fetch has not run)"
else
  papers=$(q "$db" "SELECT COUNT(*) FROM papers")
  last_fetch=$(q "$db" "SELECT COALESCE(MAX(fetched_at), '-') FROM papers")
  echo
  printf '%-10s %8s %8s %8s %8s  %s\n' stage 'done' pending failed files note
  printf '%-10s %8s %8s %8s %8s  %s\n' fetch "$papers" - - - "papers in papers.db; last change $last_fetch"
  for stage in download pdf2txt thumb; do
    case $stage in
      download) dir=pdf ext=pdf ext2= ;;
      pdf2txt) dir=txt ext=txt ext2=txt.gz ;;
      thumb) dir=thumbs ext=jpg ext2= ;;
    esac
    read -r n_done n_failed < <(q "$db" "
      SELECT COALESCE(SUM(s.state = 'done'), 0), COALESCE(SUM(s.state = 'failed'), 0)
      FROM stage_status s JOIN papers p ON p.id = s.id AND p.version = s.version
      WHERE s.stage = '$stage'" | tr '|' ' ')
    pending=$(( papers - n_done - n_failed ))
    note=""
    if [ "$n_failed" -gt 0 ]; then
      note="top reason: $(q "$db" "
        SELECT reason || ' (' || COUNT(*) || ')' FROM stage_status s
        JOIN papers p ON p.id = s.id AND p.version = s.version
        WHERE s.stage = '$stage' AND s.state = 'failed'
        GROUP BY reason ORDER BY COUNT(*) DESC LIMIT 1")"
    fi
    printf '%-10s %8s %8s %8s %8s  %s\n' "$stage" "$n_done" "$pending" "$n_failed" \
      "$(count_files "$data_dir/$dir" "$ext" "$ext2")" "$note"
  done

  # Whole-corpus stages: when their output was last written, and what changed after it.
  index_newest=$(newest_file "$data_dir/index")
  if [ -z "$index_newest" ]; then
    printf '%-10s %s\n' analyze "not run yet"
  else
    built=$(iso_time "${index_newest%% *}")
    changed=$(q "$db" "SELECT COUNT(*) FROM papers WHERE fetched_at > '$built'")
    newer_txt=0
    [ -d "$data_dir/txt" ] && newer_txt=$(find "$data_dir/txt" -type f -newer "${index_newest#* }" | wc -l)
    printf '%-10s %s\n' analyze "index written $built; since then: $changed papers fetched or changed, $newer_txt texts written"
  fi
  recs_newest=$(newest_file "$data_dir/recs")
  recs_built=never
  [ -n "$recs_newest" ] && recs_built=$(iso_time "${recs_newest%% *}")
  users="-"
  if [ -f "$data_dir/users.db" ]; then
    users=$(q "$data_dir/users.db" "SELECT COUNT(DISTINCT user_id) FROM library" 2>/dev/null || echo "-")
  fi
  recs_files=0
  [ -d "$data_dir/recs" ] && recs_files=$(find "$data_dir/recs" -type f ! -name '.*' | wc -l)
  printf '%-10s %s\n' buildsvm "users with a library: $users; files in recs/: $recs_files; last written $recs_built"
fi

echo
echo "disk used:"
shopt -s nullglob dotglob
entries=("$data_dir"/*)
shopt -u nullglob dotglob
for e in "${entries[@]}"; do
  printf '  %-8s %s\n' "$(du -sh -- "$e" | cut -f1)" "${e##*/}"
done
echo "  total: $(du -sh "$data_dir" | cut -f1); free on its filesystem: $(df -h --output=avail "$data_dir" | tail -1 | tr -d ' ')"

# The projection. Per paper, in the current mode: each folder's bytes over the papers it holds,
# measured here when at least 20 papers have that output; else the sizes measured for
# docs/benchmarks.md ("per-paper disk"). papers.db, index/ and recs/ grow with the papers too.
[ -f "$db" ] || exit 0
known=$(q "$db" "SELECT COUNT(*) FROM papers")
target=${CATEGORY_PAPERS:-$known}
[ "$target" -gt 0 ] 2>/dev/null || exit 0
if on "${SMALL_DISK:-0}"; then mode="small-disk"; else mode="PDFs kept"; fi
on "${COMPRESS_TEXT:-0}" && mode="$mode, texts gzipped"
# documented sizes (bytes), docs/benchmarks.md
doc_pdf=675000; doc_txt=41000; doc_txt_gz=14700; doc_thumb=17800; doc_thumb_small=10200
doc_db=2600; doc_index=6000

per_paper() {  # BYTES COUNT FALLBACK -> "bytes-per-paper measured|documented"
  local bytes=$1 count=$2 fallback=$3
  if [ "$count" -ge 20 ]; then
    echo $(( bytes / count )) measured
  else
    echo "$fallback" documented
  fi
}
n_txt_plain=$(count_files "$data_dir/txt" txt); n_txt_gz=$(count_files "$data_dir/txt" txt.gz)
if on "${COMPRESS_TEXT:-0}"; then
  read -r txt_pp txt_src < <(per_paper "$(bytes_of "$data_dir/txt" -name '*.txt.gz')" "$n_txt_gz" $doc_txt_gz)
else
  read -r txt_pp txt_src < <(per_paper "$(bytes_of "$data_dir/txt" -name '*.txt')" "$n_txt_plain" $doc_txt)
fi
thumb_fallback=$doc_thumb; on "${SMALL_DISK:-0}" && thumb_fallback=$doc_thumb_small
read -r thumb_pp thumb_src < <(per_paper "$(bytes_of "$data_dir/thumbs" -name '*.jpg')" \
  "$(count_files "$data_dir/thumbs" jpg)" $thumb_fallback)
if on "${SMALL_DISK:-0}"; then
  pdf_pp=0 pdf_src="deleted after use"
else
  read -r pdf_pp pdf_src < <(per_paper "$(bytes_of "$data_dir/pdf" -name '*.pdf')" "$(count_files "$data_dir/pdf" pdf)" $doc_pdf)
fi
db_bytes=$(bytes_of "$data_dir" -name 'papers.db*')
read -r db_pp db_src < <(per_paper "$db_bytes" "$known" $doc_db)
index_bytes=0
[ -d "$data_dir/index" ] && index_bytes=$(du -sb "$data_dir/index" | cut -f1)
index_src=documented index_pp=$doc_index
if [ "$index_bytes" -gt 0 ] && [ "$known" -ge 20 ]; then index_pp=$(( index_bytes / known )) index_src=measured; fi
total_pp=$(( txt_pp + thumb_pp + pdf_pp + db_pp + index_pp ))
need=$(( total_pp * target ))
used=$(du -sb "$data_dir" | cut -f1)
avail=$(( $(df -B1 --output=avail "$data_dir" | tail -1) ))
echo
echo "projection ($mode): $known papers known${CATEGORY_PAPERS:+, category size $target}; on disk: $n_txt_plain plain + $n_txt_gz gzipped texts, $(count_files "$data_dir/thumbs" jpg) thumbnails"
printf '  per paper: text %s (%s), thumbnail %s (%s), PDF %s (%s), papers.db %s (%s), index %s (%s): %s\n' \
  "$(human "$txt_pp")" "$txt_src" "$(human "$thumb_pp")" "$thumb_src" "$(human "$pdf_pp")" "$pdf_src" \
  "$(human "$db_pp")" "$db_src" "$(human "$index_pp")" "$index_src" "$(human "$total_pp")"
if [ "$need" -le $(( used + avail )) ]; then verdict="fits: $(human $(( used + avail - need ))) would stay free"
else verdict="does NOT fit: $(human $(( need - used - avail ))) short"; fi
echo "  $target papers need $(human "$need"); this data directory uses $(human "$used"), $(human "$avail") free: $verdict"
