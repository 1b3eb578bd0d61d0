# The benchmark job done with R data.table: PHQ-9 total with the NHS proration rule (up to 2
# missing items replaced by the mean of the answered ones), rounded half up, Kroenke 2001 band.
# Usage: Rscript datatable_phq9.R IN.csv OUT.csv
suppressMessages(library(data.table))
if (nzchar(Sys.getenv("DT_THREADS"))) setDTthreads(as.integer(Sys.getenv("DT_THREADS")))
args <- commandArgs(trailingOnly = TRUE)
dt <- fread(args[1], colClasses = list(character = c("client_id", "date")))
items <- paste0("phq9_", 1:9)
m <- as.matrix(dt[, ..items])
answered <- rowSums(!is.na(m))
raw <- rowSums(m, na.rm = TRUE) * 9 / answered
total <- floor(raw + 0.5)  # half up; R's round() rounds half to even
total[answered < 7] <- NA
band <- cut(total, breaks = c(-1, 4, 9, 14, 19, 27),
            labels = c("minimal", "mild", "moderate", "moderately_severe", "severe"))
fwrite(data.table(client_id = dt$client_id, date = dt$date, total = as.integer(total),
                  band = band), args[2], na = "")
