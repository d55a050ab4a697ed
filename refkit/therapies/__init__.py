"""refkit.therapies"""
