/*===- adjoint/checkpoint.h - Training checkpoints ---------------*- C -*-===*
 *
 * Saves and restores the complete state of an adj_trainer so that a run that
 * is stopped after some epochs and resumed from its checkpoint produces
 * bitwise the same parameters as an uninterrupted run.
 *
 * File format: safetensors (8-byte little-endian header length N, N bytes of
 * JSON header padded with spaces so that the data starts at a multiple of 8,
 * then the little-endian tensor data, contiguous, in header order). Tensors:
 *
 *   param.<name>           every parameter   (F32 or F64, its shape)
 *   state.<name>           every optimizer state buffer (F32/F64, or I32 for
 *                          a step counter; rank 0 is shape [])
 *   train.shuffle_rng      U64 [6]: xoshiro256** words s[0..3], has_spare,
 *                          bits of the spare normal, of the shuffle stream
 *   train.shuffle_order    I64 [N]: the current permutation of the N training
 *                          samples ([0] before the first epoch)
 *
 * and "__metadata__" (all values are strings):
 *
 *   format "adjoint-checkpoint", format_version "1", model (name), dtype
 *   ("f32"/"f64"), batch, optimizer, seed, lr (informative), epochs_done,
 *   global_step (epochs_done x batches per epoch), train_samples (N),
 *   data_crc32 (CRC-32 of the whole data section, 8 hex digits).
 *
 * Writes are atomic: the file is written to PATH.tmp, flushed to disk,
 * renamed over PATH and the directory is synced, so a crash leaves either
 * the previous or the new checkpoint. Loading validates the whole file
 * before changing the trainer; every error message names the file.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ADJOINT_CHECKPOINT_H
#define ADJOINT_CHECKPOINT_H

#include "adjoint/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ADJ_CHECKPOINT_FORMAT "adjoint-checkpoint"
#define ADJ_CHECKPOINT_VERSION 1

/* Writes the trainer's parameters, optimizer state and training position
   (epochs done, global step, shuffle RNG and order) to `path` atomically.
   On failure the previous contents of `path` are untouched, PATH.tmp is
   removed and -1 is returned (see adj_last_error). */
int adj_checkpoint_save(const adj_trainer *t, const char *path);

/* Restores a checkpoint written by adj_checkpoint_save into an initialized
   trainer of the same model (same name, batch, element type, parameter and
   state names and shapes). `train` is the training data set to continue on:
   the trainer is bound to it and its shuffle stream restored, which requires
   the data set to have the checkpoint's number of samples. With `train` ==
   NULL only parameters, state, epochs_done and seed are restored (the next
   epoch then starts a fresh shuffle stream). Validates the whole file first:
   on any error the trainer is unchanged and -1 is returned. */
int adj_checkpoint_load(adj_trainer *t, const adj_dataset *train,
                        const char *path);

/* Binds the trainer to its training data set (checks it and allocates the
   shuffle order) without training; adj_train_epoch does this by itself. */
int adj_trainer_bind_dataset(adj_trainer *t, const adj_dataset *train);

/* Steps taken so far: epochs_done x batches per epoch of the bound data set
   (0 while no data set is bound). */
int64_t adj_trainer_global_step(const adj_trainer *t);

/* Like adj_train, but runs epochs until t->epochs_done reaches
   `total_epochs` (none if it already has) and numbers the progress lines
   "epoch E/TOTAL" with absolute epoch numbers, so a resumed run continues
   the count. If `checkpoint_path` is non-NULL, a checkpoint is saved after
   every epoch (after its evaluation and progress line). */
int adj_train_to(adj_trainer *t, const adj_dataset *train,
                 const adj_dataset *test, int64_t total_epochs, FILE *progress,
                 const char *checkpoint_path, double *test_accuracy);

#ifdef __cplusplus
}
#endif

#endif /* ADJOINT_CHECKPOINT_H */
