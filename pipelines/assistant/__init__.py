"""The assistant: a conversational agent over the workbench whose tools are the pipeline's own functions."""
