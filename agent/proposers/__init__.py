"""Who proposes the next tool call: the playbook itself (guided mode) or a chat model within its allowance."""
