/* What `wgf apply` and `wgf apply FILE` share: the question and the JSON result. */
#include <json-c/json.h>
#include <string.h>

#include "cmd/wgf.h"

bool cmd_apply_confirm(void)
{
	char line[16];

	fputs("\nApply these changes? Only 'yes' will be accepted: ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return !strcmp(line, "yes\n");
}

void cmd_apply_print_json(const struct plan *p, const struct apply_result *res, int r, const char *saved_id)
{
	json_object *o = json_object_new_object(), *plan = plan_to_json(p);

	json_object_object_add(o, "result", json_object_new_string(
		r == 0 ? (plan_is_empty(p) ? "no-changes" : "applied") : res->rolled_back ? "rolled-back" : "failed"));
	json_object_object_add(o, "actions_done", json_object_new_int64((int64_t)res->done));
	if (saved_id)
		json_object_object_add(o, "saved_plan", json_object_new_string(saved_id));
	if (wgf_error_is_set(&res->error))
		json_object_object_add(o, "error", json_object_new_string(wgf_error_message(&res->error)));
	if (wgf_error_is_set(&res->rollback_error))
		json_object_object_add(o, "rollback_error",
				       json_object_new_string(wgf_error_message(&res->rollback_error)));
	if (res->warning)
		json_object_object_add(o, "warning", json_object_new_string(res->warning));
	json_object_object_add(o, "plan", plan);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
