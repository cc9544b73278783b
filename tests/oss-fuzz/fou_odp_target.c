/* libFuzzer target: the datapath-action text of FOU and GUE tunnel headers.
 *
 * Each input is datapath actions as text, such as the tnl_push(...) that
 * "ovs-appctl dpctl/dump-flows" prints.  When it parses to a single
 * tnl_push of a FOU or GUE header, what it prints must parse back to the
 * same action and print the same: print what parses, parse what prints.
 * (OVS's own odp_target covers the rest of the grammar.) */

#include <config.h>
#include "fuzzer.h"
#undef NDEBUG
#include <string.h>

#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

/* Parses 'text' into '*actions', and prints those into 'ds'.  Returns false
 * if 'text' does not parse. */
static bool
parse_and_print(const char *text, struct ofpbuf *actions, struct ds *ds)
{
    if (odp_actions_from_string(text, NULL, actions)) {
        return false;
    }
    format_odp_actions(ds, actions->data, actions->size, NULL);
    return true;
}

/* Are 'actions' a single tnl_push of a FOU or GUE header? */
static bool
is_fou_push(const struct ofpbuf *actions)
{
    const struct nlattr *a = actions->data;
    const struct ovs_action_push_tnl *data;

    if (actions->size < NLA_HDRLEN
        || NLA_ALIGN(a->nla_len) != actions->size
        || nl_attr_type(a) != OVS_ACTION_ATTR_TUNNEL_PUSH
        || nl_attr_get_size(a) < sizeof *data) {
        return false;
    }
    data = nl_attr_get(a);
    return data->tnl_type == OVS_VPORT_TYPE_FOU;
}

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    struct ofpbuf first, second;
    struct ds printed = DS_EMPTY_INITIALIZER;
    struct ds reprinted = DS_EMPTY_INITIALIZER;
    char *text;

    vlog_set_verbosity("off");
    /* Text ends at its first NUL, as it would on a command line. */
    text = xmemdup0((const char *) input, size);
    ofpbuf_init(&first, 0);
    ofpbuf_init(&second, 0);

    if (parse_and_print(text, &first, &printed) && is_fou_push(&first)) {
        ovs_assert(parse_and_print(ds_cstr(&printed), &second, &reprinted));
        ovs_assert(first.size == second.size
                   && !memcmp(first.data, second.data, first.size));
        ovs_assert(!strcmp(ds_cstr(&printed), ds_cstr(&reprinted)));
    }

    free(text);
    ds_destroy(&printed);
    ds_destroy(&reprinted);
    ofpbuf_uninit(&first);
    ofpbuf_uninit(&second);
    return 0;
}
