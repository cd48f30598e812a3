/*===- model_tensors.c - A model's tensors in safetensors files -----------===*
 *
 * Parameters, inputs and gradients of a compiled model, by name, in
 * safetensors files (adjoint/safetensors.h): what `adjoint grad` reads and
 * writes, and what a peer such as PyTorch can read and write.
 *
 *===----------------------------------------------------------------------===*/
#include "adjoint/safetensors.h"

#include <stdlib.h>
#include <string.h>

static const char *model_name(const char *model) {
  return model ? model : "<unnamed>";
}

int adj_safetensors_load_named(const char *path, const char *model,
                               const char *what, int n,
                               const adj_tensor_info *const *infos,
                               void *const *bufs) {
  adj_safetensors st;
  if (adj_safetensors_read(&st, path, "safetensors file") != 0)
    return -1;
  const char *m = model_name(model);
  int rc = -1;
  for (int i = 0; i < n; ++i) {
    const adj_tensor_info *want = infos[i];
    const char *name = want->name ? want->name : "<unnamed>";
    const char *dtype = adj_st_dtype_of(want->dtype);
    char exp[160], got[160];
    adj_st_format_shape(exp, sizeof exp, want->rank, want->shape);
    const adj_st_entry *e = adj_safetensors_find(&st, name);
    if (!e) {
      adj_set_error("%s: no tensor '%s' for %s '%s' of model '%s' (%s %s)",
                    path, name, what, name, m, dtype, exp);
      goto out;
    }
    if (strcmp(e->dtype, dtype) != 0) {
      adj_set_error("%s: tensor '%s' has dtype %s but %s '%s' of model '%s' "
                    "is %s",
                    path, name, e->dtype, what, name, m, dtype);
      goto out;
    }
    int same = e->rank == want->rank;
    for (int d = 0; same && d < e->rank; ++d)
      same = e->shape[d] == want->shape[d];
    if (!same) {
      adj_st_format_shape(got, sizeof got, e->rank, e->shape);
      adj_set_error("%s: tensor '%s' has shape %s but %s '%s' of model '%s' "
                    "has shape %s",
                    path, name, got, what, name, m, exp);
      goto out;
    }
  }
  for (int k = 0; k < st.num_tensors; ++k) {
    int known = 0;
    for (int i = 0; i < n && !known; ++i)
      known = infos[i]->name && !strcmp(infos[i]->name, st.tensors[k].name);
    if (!known) {
      adj_set_error("%s: unexpected tensor '%s': model '%s' has no %s of "
                    "that name",
                    path, st.tensors[k].name, m, what);
      goto out;
    }
  }
  /* Everything matches: only now are the buffers written. */
  for (int i = 0; i < n; ++i)
    adj_safetensors_copy(adj_safetensors_find(&st, infos[i]->name), bufs[i]);
  rc = 0;
out:
  adj_safetensors_free(&st);
  return rc;
}

static const adj_tensor_info *param_at(const adj_model_info *info, int i) {
  return &info->params[i].tensor;
}

static const adj_tensor_info *input_at(const adj_model_info *info, int i) {
  return &info->inputs[i];
}

/* adj_safetensors_load_named for `n` tensors of the model, at(info, i). */
static int
load_model_tensors(const adj_model_info *info, const char *path,
                   const char *what, int n,
                   const adj_tensor_info *(*at)(const adj_model_info *, int),
                   void *const *bufs) {
  const adj_tensor_info **infos = calloc((size_t)n + 1, sizeof *infos);
  if (!infos)
    return adj_set_error("%s: out of memory", path);
  for (int i = 0; i < n; ++i)
    infos[i] = at(info, i);
  int rc = adj_safetensors_load_named(path, info->name, what, n, infos, bufs);
  free(infos);
  return rc;
}

int adj_params_load(const adj_model_info *info, void *const *params,
                    const char *path) {
  return load_model_tensors(info, path, "parameter", info->num_params, param_at,
                            params);
}

int adj_inputs_load(const adj_model_info *info, void *const *inputs,
                    const char *path) {
  return load_model_tensors(info, path, "input", info->num_inputs, input_at,
                            inputs);
}

int adj_safetensors_batch(const char *path, int64_t *batch) {
  adj_safetensors st;
  if (adj_safetensors_read(&st, path, "safetensors file") != 0)
    return -1;
  int rc = -1;
  if (st.num_tensors == 0) {
    adj_set_error("%s: no tensors (expected the model's inputs)", path);
    goto out;
  }
  for (int i = 0; i < st.num_tensors; ++i) {
    const adj_st_entry *e = &st.tensors[i];
    if (e->rank == 0 || e->shape[0] < 1) {
      adj_set_error("%s: tensor '%s' has no rows (an input needs the batch "
                    "as its first dimension)",
                    path, e->name);
      goto out;
    }
    if (e->shape[0] != st.tensors[0].shape[0]) {
      adj_set_error("%s: tensors '%s' and '%s' disagree on the batch size "
                    "(first dimension %lld and %lld)",
                    path, st.tensors[0].name, e->name,
                    (long long)st.tensors[0].shape[0], (long long)e->shape[0]);
      goto out;
    }
  }
  *batch = st.tensors[0].shape[0];
  rc = 0;
out:
  adj_safetensors_free(&st);
  return rc;
}

/* Tensors named after the parameters, with `extra` more slots after them. */
static adj_st_tensor *param_tensors(const adj_model_info *info,
                                    void *const *bufs, int extra) {
  adj_st_tensor *t = calloc((size_t)(info->num_params + extra) + 1, sizeof *t);
  if (!t)
    return NULL;
  for (int i = 0; i < info->num_params; ++i) {
    const adj_tensor_info *p = &info->params[i].tensor;
    t[i].name = p->name ? p->name : "<unnamed>";
    t[i].dtype = adj_st_dtype_of(p->dtype);
    t[i].rank = p->rank;
    t[i].shape = p->shape;
    t[i].data = bufs[i];
  }
  return t;
}

int adj_params_save(const adj_model_info *info, void *const *params,
                    const char *path) {
  adj_st_tensor *t = param_tensors(info, params, 0);
  if (!t)
    return adj_set_error("%s: out of memory", path);
  const adj_st_meta meta[] = {{"format", "adjoint-params"},
                              {"model", model_name(info->name)}};
  int rc = adj_safetensors_write(path, t, info->num_params, meta, 2, NULL);
  free(t);
  return rc;
}

int adj_grads_save(const adj_model_info *info, void *const *grads,
                   const void *loss, const char *path) {
  for (int i = 0; i < info->num_params; ++i)
    if (info->params[i].tensor.name &&
        !strcmp(info->params[i].tensor.name, "loss"))
      return adj_set_error("%s: model '%s' has a parameter named 'loss', the "
                           "name of the loss tensor",
                           path, model_name(info->name));
  adj_st_tensor *t = param_tensors(info, grads, 1);
  if (!t)
    return adj_set_error("%s: out of memory", path);
  adj_st_tensor *l = &t[info->num_params];
  l->name = "loss";
  l->dtype = adj_st_dtype_of(info->dtype);
  l->rank = 0;
  l->shape = NULL;
  l->data = loss;
  const adj_st_meta meta[] = {{"format", "adjoint-grad"},
                              {"model", model_name(info->name)}};
  int rc = adj_safetensors_write(path, t, info->num_params + 1, meta, 2, NULL);
  free(t);
  return rc;
}
